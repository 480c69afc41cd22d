package io.gatehouse.testkit;

import io.gatehouse.api.plugin.HttpResponse;

/**
 * Test double of {@link HttpResponse}: either "received" from the upstream
 * ({@link FakeExchange#upstreamAnswers}) or made by the gateway ({@link FakeExchange#respond}). The body of
 * a gateway-made response is kept for assertions ({@link #body()}). Nothing goes on a wire: a test that
 * wants to check a plugin's behaviour after commit calls {@link #commit()}, after which the status, headers
 * and body refuse changes as the real response does.
 */
public final class FakeResponse implements HttpResponse {
    private final FakeHeaders headers = new FakeHeaders(this::committed);
    private final boolean fromUpstream;
    private int status;
    private byte[] body = new byte[0];
    private boolean committed;

    /** A response with {@code status} and no headers; {@code fromUpstream} for one "received" upstream. */
    public FakeResponse(int status, boolean fromUpstream) {
        this.status = status;
        this.fromUpstream = fromUpstream;
    }

    @Override
    public int status() {
        return status;
    }

    @Override
    public void status(int status) {
        checkNotCommitted();
        this.status = status;
    }

    @Override
    public FakeHeaders headers() {
        return headers;
    }

    @Override
    public boolean fromUpstream() {
        return fromUpstream;
    }

    @Override
    public boolean committed() {
        return committed;
    }

    /** Marks the response as committed (head written to the client), as the gateway does when the pipeline ends. */
    public void commit() {
        committed = true;
    }

    @Override
    public void body(byte[] body) {
        if (fromUpstream) {
            throw new IllegalStateException("the body of an upstream response cannot be set");
        }
        checkNotCommitted();
        this.body = body.clone();
        headers.set("Content-Length", Integer.toString(body.length));
    }

    /** A copy of the body set with {@link #body(byte[])}; empty when none was set (or from upstream). */
    public byte[] body() {
        return body.clone();
    }

    private void checkNotCommitted() {
        if (committed) {
            throw new IllegalStateException("the response is already committed");
        }
    }
}
