package io.gatehouse.plugin.mock.internal.fake;

import io.gatehouse.api.plugin.Completion;

/** Test double of {@link Completion}: remembers the one outcome, rejects a second. */
public final class RecordingCompletion implements Completion {
    private String result;
    private Throwable error;
    private boolean done;

    @Override
    public void complete(String result) {
        once();
        this.result = result;
    }

    @Override
    public void fail(Throwable error) {
        once();
        this.error = error;
    }

    private void once() {
        if (done) {
            throw new IllegalStateException("completed twice");
        }
        done = true;
    }

    public boolean done() {
        return done;
    }

    /** The result, or null when not completed or failed. */
    public String result() {
        return result;
    }

    public Throwable error() {
        return error;
    }
}
