package io.gatehouse.testkit;

import io.gatehouse.api.plugin.Completion;

/**
 * Test double of {@link Completion}: records the one outcome of a {@code handle} call. Like the gateway it
 * refuses a second completion with {@link IllegalStateException}, and it counts every call
 * ({@link #count()}), so a plugin that completes twice and swallows the exception is still caught. Safe to
 * complete from any thread (as plugins may) and to poll from the test thread, for example with Awaitility.
 */
public final class RecordingCompletion implements Completion {
    private String result;
    private Throwable failure;
    private boolean done;
    private int count;

    @Override
    public synchronized void complete(String result) {
        once();
        this.result = result;
    }

    @Override
    public synchronized void fail(Throwable error) {
        once();
        this.failure = error;
    }

    private void once() {
        count++;
        if (done) {
            throw new IllegalStateException("completed twice: the first outcome was "
                    + (failure != null ? "failure " + failure : "result '" + result + "'"));
        }
        done = true;
    }

    /** True once {@link #complete} or {@link #fail} was called. */
    public synchronized boolean done() {
        return done;
    }

    /** The result given to {@link #complete}, or null when not completed (or failed). */
    public synchronized String result() {
        return result;
    }

    /** The error given to {@link #fail}, or null when not failed. */
    public synchronized Throwable failure() {
        return failure;
    }

    /** How many times {@link #complete} or {@link #fail} was called, including refused second calls. */
    public synchronized int count() {
        return count;
    }

    @Override
    public synchronized String toString() {
        if (!done) {
            return "not completed";
        }
        return failure != null ? "failed: " + failure : "completed with '" + result + "'";
    }
}
