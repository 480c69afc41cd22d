package io.gatehouse.dataplane.internal.http;

import io.gatehouse.api.plugin.BodyTooLargeException;
import io.gatehouse.api.plugin.BodyTransform;
import io.gatehouse.api.plugin.Headers;
import io.gatehouse.api.plugin.HttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A response on its way to the client: either made by the gateway (headers and a byte[] body) or received
 * from an upstream (a view over the decoded Netty response head, whose body streams later, unless a plugin
 * read it whole: it is then held as bytes too).
 */
final class NettyResponse implements HttpResponse, NettyHeaders.Owner {
    private final io.netty.handler.codec.http.HttpResponse upstream;
    /** The attempt an upstream response came from; null for a gateway-made one. */
    private final ForwardCall call;
    private final HttpHeaders nettyHeaders;
    private int status;
    private byte[] body;
    /** True once an upstream response's body was read whole: it is then sent from {@link #body}. */
    private boolean held;
    private boolean committed;
    private NettyHeaders headers;
    private BodyTransforms transforms;

    private NettyResponse(io.netty.handler.codec.http.HttpResponse upstream, ForwardCall call, HttpHeaders headers,
                          int status) {
        this.upstream = upstream;
        this.call = call;
        this.nettyHeaders = headers;
        this.status = status;
    }

    static NettyResponse gateway(int status) {
        checkStatus(status);
        return new NettyResponse(null, null, new DefaultHttpHeaders(false), status);
    }

    static NettyResponse fromUpstream(io.netty.handler.codec.http.HttpResponse response, ForwardCall call) {
        return new NettyResponse(response, call, response.headers(), response.status().code());
    }

    private static void checkStatus(int status) {
        if (status < 200 || status > 999) {
            throw new IllegalArgumentException("a final response status must be 200..999: " + status);
        }
    }

    /** The upstream head, with the status a plugin may have set; null for a gateway-made response. */
    io.netty.handler.codec.http.HttpResponse upstreamHead() {
        if (upstream != null && upstream.status().code() != status) {
            upstream.setStatus(HttpResponseStatus.valueOf(status));
        }
        return upstream;
    }

    HttpHeaders nettyHeaders() {
        return nettyHeaders;
    }

    byte[] bodyBytes() {
        return body;
    }

    /** True when the body is sent from {@link #bodyBytes()}: gateway-made, or an upstream body read whole. */
    boolean bodyInHand() {
        return upstream == null || held;
    }

    /** The transformations to apply when committed, or null. */
    BodyTransforms transforms() {
        return transforms;
    }

    /** The attempt read the whole body: the response is now sent from these bytes, with their length. */
    void hold(byte[] bytes) {
        held = true;
        this.body = bytes;
        nettyHeaders.remove(HttpHeaderNames.TRANSFER_ENCODING);
        nettyHeaders.setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
    }

    void markCommitted() {
        committed = true;
    }

    @Override
    public void checkMutable() {
        if (committed) {
            throw new IllegalStateException("the response is already committed");
        }
    }

    @Override
    public int status() {
        return status;
    }

    @Override
    public void status(int status) {
        checkMutable();
        checkStatus(status);
        this.status = status;
    }

    @Override
    public Headers headers() {
        NettyHeaders h = headers;
        if (h == null) {
            h = headers = new NettyHeaders(nettyHeaders, this);
        }
        return h;
    }

    @Override
    public boolean fromUpstream() {
        return upstream != null;
    }

    @Override
    public boolean committed() {
        return committed;
    }

    @Override
    public void body(byte[] bytes) {
        if (upstream != null && !held) {
            throw new IllegalStateException("the body of an upstream response can only be replaced once it was "
                    + "read whole (readBody)");
        }
        checkMutable();
        this.body = bytes;
        nettyHeaders.remove(HttpHeaderNames.TRANSFER_ENCODING);
        nettyHeaders.setInt(HttpHeaderNames.CONTENT_LENGTH, bytes == null ? 0 : bytes.length);
    }

    @Override
    public CompletionStage<byte[]> readBody(long maxBytes) {
        if (maxBytes < 0) {
            throw new IllegalArgumentException("maxBytes must not be negative: " + maxBytes);
        }
        checkMutable();
        if (upstream == null || held) {
            byte[] b = body == null ? new byte[0] : body;
            if (b.length > maxBytes) {
                return CompletableFuture.failedFuture(new BodyTooLargeException(maxBytes));
            }
            return CompletableFuture.completedFuture(b.clone());
        }
        return call.readBody(maxBytes);
    }

    @Override
    public void transformBody(BodyTransform transform) {
        Objects.requireNonNull(transform, "transform");
        checkMutable();
        if (transforms == null) {
            transforms = new BodyTransforms();
        }
        transforms.add(transform);
    }
}
