package io.gatehouse.dataplane.internal.http;

import io.gatehouse.api.plugin.Forward;
import io.gatehouse.dataplane.ListenerSettings;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;

/**
 * Turns the client's request head, in place and once per exchange, into the template of every upstream
 * request: always HTTP/1.1, hop-by-hop fields removed, {@code X-Forwarded-*} and {@code Via} set, body
 * re-framed. {@link #host} then sets {@code Host} for one attempt's target; later attempts send copies.
 */
final class UpstreamRequest {
    static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
    static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");
    static final AsciiString X_FORWARDED_HOST = AsciiString.cached("x-forwarded-host");
    private static final AsciiString H2_STREAM_ID = AsciiString.cached("x-http2-stream-id");
    private static final AsciiString H2_SCHEME = AsciiString.cached("x-http2-scheme");

    private UpstreamRequest() {
    }

    /** Prepares the template in place; returns the client's {@code Host} (null when it sent none). */
    static String prepare(NettyExchange exchange, HttpRequest head) {
        HttpHeaders h = head.headers();
        ListenerSettings settings = exchange.stream().conn.settings;
        String originalHost = h.get(HttpHeaderNames.HOST);
        HopByHop.strip(h);
        h.remove(HttpHeaderNames.EXPECT);
        if (exchange.http2()) {
            h.remove(H2_STREAM_ID);
            h.remove(H2_SCHEME);
        }
        if (settings.xForwarded()) {
            String ip = exchange.stream().conn.clientIp();
            if (h.contains(X_FORWARDED_FOR)) {
                String prior = String.join(", ", h.getAll(X_FORWARDED_FOR));
                h.set(X_FORWARDED_FOR, prior + ", " + ip);
            } else {
                h.set(X_FORWARDED_FOR, ip);
            }
            h.set(X_FORWARDED_PROTO, exchange.scheme());
            if (originalHost != null) {
                h.set(X_FORWARDED_HOST, originalHost);
            }
        }
        String via = exchange.http2() ? exchange.stream().conn.via20
                : exchange.stream().conn.via(head.protocolVersion().majorVersion(),
                head.protocolVersion().minorVersion());
        if (via != null) {
            appendVia(h, via);
        }
        if (exchange.request().hasBody()) {
            if (exchange.body().transformed()) {
                // transformations change the length: chunked
                h.remove(HttpHeaderNames.CONTENT_LENGTH);
                h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            } else if (!h.contains(HttpHeaderNames.CONTENT_LENGTH)) {
                h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            }
        }
        head.setProtocolVersion(HttpVersion.HTTP_1_1);
        return originalHost;
    }

    /** Sets {@code Host} for {@code target}: the client's own (or the target's when none), or as configured. */
    static void host(HttpRequest head, Forward target, String originalHost) {
        HttpHeaders h = head.headers();
        switch (target.hostMode()) {
            case UPSTREAM -> h.set(HttpHeaderNames.HOST, target.authority());
            case FIXED -> h.set(HttpHeaderNames.HOST, target.hostValue());
            default -> {
                if (originalHost == null) {
                    h.set(HttpHeaderNames.HOST, target.authority());
                } else if (!originalHost.equals(h.get(HttpHeaderNames.HOST))) {
                    // a copy of a template an earlier attempt's host mode changed; the common path sets nothing
                    h.set(HttpHeaderNames.HOST, originalHost);
                }
            }
        }
    }

    /** A copy of the prepared template, for an attempt after the first one (or one with its own head). */
    static HttpRequest copy(HttpRequest template) {
        return new DefaultHttpRequest(HttpVersion.HTTP_1_1, template.method(), template.uri(),
                template.headers().copy());
    }

    static void appendVia(HttpHeaders h, String entry) {
        if (h.contains(HttpHeaderNames.VIA)) {
            String prior = String.join(", ", h.getAll(HttpHeaderNames.VIA));
            h.set(HttpHeaderNames.VIA, prior + ", " + entry);
        } else {
            h.set(HttpHeaderNames.VIA, entry);
        }
    }
}
