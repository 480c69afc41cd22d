package io.gatehouse.dataplane.internal.http;

import io.gatehouse.api.plugin.Headers;
import io.gatehouse.api.plugin.HttpRequest;
import io.gatehouse.api.plugin.HttpRequests;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import java.util.Objects;

/**
 * The plugin view of the client's request head. It wraps the decoded Netty request, which is the very
 * object written to the upstream (after hop-by-hop fields are removed), so nothing is copied.
 */
final class NettyRequest implements HttpRequest, NettyHeaders.Owner {
    private final io.netty.handler.codec.http.HttpRequest head;
    private final String protocol;
    private long contentLength;
    private NettyHeaders headers;
    private boolean sealed;
    /** The exchange whose body this request carries; null for an attempt's own copy of the head. */
    private final NettyExchange exchange;

    NettyRequest(io.netty.handler.codec.http.HttpRequest head, String protocol, long contentLength) {
        this(head, protocol, contentLength, null);
    }

    NettyRequest(io.netty.handler.codec.http.HttpRequest head, String protocol, long contentLength,
                 NettyExchange exchange) {
        this.head = head;
        this.protocol = protocol;
        this.contentLength = contentLength;
        this.exchange = exchange;
    }

    io.netty.handler.codec.http.HttpRequest netty() {
        return head;
    }

    void seal() {
        sealed = true;
    }

    @Override
    public void checkMutable() {
        if (sealed) {
            throw new IllegalStateException("the request was already sent upstream");
        }
    }

    @Override
    public String method() {
        return head.method().name();
    }

    @Override
    public void method(String method) {
        checkMutable();
        head.setMethod(HttpMethod.valueOf(HttpRequests.checkMethod(method)));
    }

    @Override
    public String uri() {
        return head.uri();
    }

    @Override
    public void uri(String uri) {
        checkMutable();
        HttpRequests.checkTarget(uri);
        head.setUri(uri);
    }

    @Override
    public String path() {
        return HttpRequests.path(head.uri());
    }

    @Override
    public String query() {
        return HttpRequests.query(head.uri());
    }

    @Override
    public String protocol() {
        return protocol;
    }

    @Override
    public Headers headers() {
        NettyHeaders h = headers;
        if (h == null) {
            h = headers = new NettyHeaders(head.headers(), this);
        }
        return h;
    }

    @Override
    public String host() {
        return HttpRequests.host(head.headers().get(HttpHeaderNames.HOST));
    }

    @Override
    public long contentLength() {
        return contentLength;
    }

    @Override
    public boolean hasBody() {
        return contentLength != 0;
    }

    @Override
    public void body(byte[] body) {
        Objects.requireNonNull(body, "body");
        if (exchange == null) {
            throw new IllegalStateException("an attempt's request carries the exchange's body: set it on "
                    + "Exchange.request() before the first attempt is made");
        }
        checkMutable();
        exchange.replaceRequestBody(body);
        contentLength = body.length;
        HttpHeaders h = head.headers();
        h.remove(HttpHeaderNames.TRANSFER_ENCODING);
        if (body.length > 0) {
            h.setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        } else {
            h.remove(HttpHeaderNames.CONTENT_LENGTH);
        }
    }

    @Override
    public String toString() {
        return head.method() + " " + head.uri() + " " + protocol;
    }
}
