package io.gatehouse.plugin.mock.internal.fake;

import io.gatehouse.api.plugin.Headers;
import io.gatehouse.api.plugin.HttpResponse;

/** Test double of {@link HttpResponse}; never committed (nothing goes on a wire here). */
public final class FakeResponse implements HttpResponse {
    private final FakeHeaders headers = new FakeHeaders();
    private final boolean fromUpstream;
    private int status;
    private byte[] body = new byte[0];

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
        this.status = status;
    }

    @Override
    public Headers headers() {
        return headers;
    }

    @Override
    public boolean fromUpstream() {
        return fromUpstream;
    }

    @Override
    public boolean committed() {
        return false;
    }

    @Override
    public void body(byte[] body) {
        if (fromUpstream) {
            throw new IllegalStateException("the body of an upstream response cannot be set");
        }
        this.body = body.clone();
        headers.set("Content-Length", Integer.toString(body.length));
    }

    public byte[] body() {
        return body.clone();
    }
}
