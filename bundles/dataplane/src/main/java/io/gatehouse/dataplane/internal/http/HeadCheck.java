package io.gatehouse.dataplane.internal.http;

import io.gatehouse.dataplane.ListenerSettings.PathNormalization;
import io.gatehouse.dataplane.RequestTarget;
import io.gatehouse.dataplane.RequestTarget.InvalidTargetException;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.util.Iterator;

/**
 * The {@code Host} field and the request target, checked (RFC 9112 3.2) and rewritten in place before the
 * request is routed, so that routing sees what the upstream will get: an absolute-form target becomes
 * origin-form with its authority in {@code Host}; the path is normalized (or refused, per the listener's
 * {@link PathNormalization}). Allocation-free for a valid, normal request.
 */
final class HeadCheck {
    private HeadCheck() {
    }

    /** Returns null when the request may go on (its target is then origin-form or {@code *}), else why it gets 400. */
    static String check(HttpRequest req, boolean h2, PathNormalization mode) {
        String problem = host(req, h2);
        if (problem != null) {
            return problem;
        }
        boolean reject = mode == PathNormalization.REJECT;
        String uri = req.uri();
        try {
            if (!uri.isEmpty() && uri.charAt(0) == '/') {
                String normal = RequestTarget.normalize(uri, reject);
                if (normal != uri) {
                    req.setUri(normal);
                }
                return null;
            }
            if (uri.equals("*")) {
                return HttpMethod.OPTIONS.equals(req.method()) ? null
                        : "the asterisk-form target (*) is only allowed with OPTIONS";
            }
            if (h2) {
                return "the :path of an HTTP/2 request must start with / (or be * for OPTIONS)";
            }
            RequestTarget.Absolute absolute = RequestTarget.absolute(uri, reject);
            // RFC 9112 3.2.2: the authority of an absolute-form target replaces Host
            req.headers().set(HttpHeaderNames.HOST, absolute.authority());
            req.setUri(absolute.originForm());
            return null;
        } catch (InvalidTargetException e) {
            return e.getMessage();
        }
    }

    private static String host(HttpRequest req, boolean h2) {
        HttpHeaders h = req.headers();
        Iterator<? extends CharSequence> hosts = h.valueCharSequenceIterator(HttpHeaderNames.HOST);
        if (!hosts.hasNext()) {
            return !h2 && req.protocolVersion().equals(HttpVersion.HTTP_1_1)
                    ? "an HTTP/1.1 request needs a Host header" : null;
        }
        CharSequence host = hosts.next();
        if (hosts.hasNext()) {
            if (!h2) {
                return "more than one Host header";
            }
            // HTTP/2: :authority became a Host field; a host field may repeat it, but must not contradict it
            while (hosts.hasNext()) {
                if (!hosts.next().toString().equalsIgnoreCase(host.toString())) {
                    return "the Host header and :authority differ";
                }
            }
            h.set(HttpHeaderNames.HOST, host);
        }
        return RequestTarget.validHost(host, true) ? null : "the Host header is not a valid host[:port]";
    }
}
