package io.gatehouse.dataplane.internal.http;

import io.gatehouse.api.plugin.Headers;
import io.gatehouse.api.plugin.HttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * A response on its way to the client: either made by the gateway (headers and a byte[] body) or received
 * from an upstream (a view over the decoded Netty response head, whose body streams later).
 */
final class NettyResponse implements HttpResponse, NettyHeaders.Owner {
    private final io.netty.handler.codec.http.HttpResponse upstream;
    private final HttpHeaders nettyHeaders;
    private int status;
    private byte[] body;
    private boolean committed;
    private NettyHeaders headers;

    private NettyResponse(io.netty.handler.codec.http.HttpResponse upstream, HttpHeaders headers, int status) {
        this.upstream = upstream;
        this.nettyHeaders = headers;
        this.status = status;
    }

    static NettyResponse gateway(int status) {
        checkStatus(status);
        return new NettyResponse(null, new DefaultHttpHeaders(false), status);
    }

    static NettyResponse fromUpstream(io.netty.handler.codec.http.HttpResponse response) {
        return new NettyResponse(response, response.headers(), response.status().code());
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
        if (upstream != null) {
            throw new IllegalStateException("the body of an upstream response cannot be replaced");
        }
        checkMutable();
        this.body = bytes;
        nettyHeaders.setInt(HttpHeaderNames.CONTENT_LENGTH, bytes == null ? 0 : bytes.length);
    }
}
