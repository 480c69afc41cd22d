package io.gatehouse.testkit;

import io.gatehouse.api.plugin.BodyTooLargeException;
import io.gatehouse.api.plugin.BodyTransform;
import io.gatehouse.api.plugin.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

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
    /** What the upstream sends as the body (an upstream response), until read whole. */
    private byte[] upstreamBody = new byte[0];
    private boolean held;
    private final List<BodyTransform> transforms = new ArrayList<>();

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

    /** The body the upstream sends with this response (an upstream response only; empty by default). */
    public FakeResponse upstreamBody(byte[] bytes) {
        if (!fromUpstream) {
            throw new IllegalStateException("a gateway-made response has no upstream body: use body(byte[])");
        }
        this.upstreamBody = bytes.clone();
        return this;
    }

    @Override
    public void body(byte[] body) {
        if (fromUpstream && !held) {
            throw new IllegalStateException("the body of an upstream response can only be replaced once it was "
                    + "read whole (readBody)");
        }
        checkNotCommitted();
        this.body = body.clone();
        headers.remove("Transfer-Encoding");
        headers.set("Content-Length", Integer.toString(body.length));
    }

    /**
     * A copy of the body: set with {@link #body(byte[])}, or read whole from the upstream; empty when none was
     * set, and for an upstream body that was not read (see {@link #sentBody()}).
     */
    public byte[] body() {
        return body.clone();
    }

    /** True once the upstream body was read whole ({@link #readBody}). */
    public boolean held() {
        return held;
    }

    /**
     * The body as the client would get it: the gateway-made or read body, or else the upstream's, through the
     * transformations added with {@link #transformBody}, in one piece (as the gateway does for a body in hand).
     */
    public byte[] sentBody() throws Exception {
        byte[] b = fromUpstream && !held ? upstreamBody : body;
        return Transforms.apply(transforms, b);
    }

    @Override
    public CompletionStage<byte[]> readBody(long maxBytes) {
        if (maxBytes < 0) {
            throw new IllegalArgumentException("maxBytes must not be negative: " + maxBytes);
        }
        checkNotCommitted();
        if (fromUpstream && !held) {
            if (upstreamBody.length > maxBytes) {
                return CompletableFuture.failedFuture(new BodyTooLargeException(maxBytes));
            }
            held = true;
            body = upstreamBody.clone();
            headers.remove("Transfer-Encoding");
            headers.set("Content-Length", Integer.toString(body.length));
        } else if (body.length > maxBytes) {
            return CompletableFuture.failedFuture(new BodyTooLargeException(maxBytes));
        }
        return CompletableFuture.completedFuture(body.clone());
    }

    @Override
    public void transformBody(BodyTransform transform) {
        Objects.requireNonNull(transform, "transform");
        checkNotCommitted();
        transforms.add(transform);
    }

    /** The transformations added with {@link #transformBody}, in order. */
    public List<BodyTransform> transforms() {
        return List.copyOf(transforms);
    }

    private void checkNotCommitted() {
        if (committed) {
            throw new IllegalStateException("the response is already committed");
        }
    }
}
