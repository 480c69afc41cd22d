package io.gatehouse.dataplane.internal.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.Iterator;

/**
 * Removes hop-by-hop fields (RFC 9110 7.6.1) in place: the fixed list and every field named in
 * {@code Connection}. Applied to requests before they go upstream and to upstream responses before they
 * reach plugins.
 */
final class HopByHop {
    private static final AsciiString KEEP_ALIVE = AsciiString.cached("keep-alive");
    private static final AsciiString PROXY_CONNECTION = AsciiString.cached("proxy-connection");
    private static final AsciiString[] FIXED = {
        HttpHeaderNames.CONNECTION, KEEP_ALIVE, PROXY_CONNECTION, HttpHeaderNames.TE, HttpHeaderNames.TRAILER,
        HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderNames.UPGRADE, HttpHeaderNames.PROXY_AUTHORIZATION,
        HttpHeaderNames.PROXY_AUTHENTICATE
    };

    private HopByHop() {
    }

    static void strip(HttpHeaders headers) {
        String first = headers.get(HttpHeaderNames.CONNECTION);
        if (first != null) {
            Iterator<String> values = headers.valueStringIterator(HttpHeaderNames.CONNECTION);
            values.next();
            if (values.hasNext()) {
                // several Connection lines (rare): copy them before removing anything
                for (String value : headers.getAll(HttpHeaderNames.CONNECTION)) {
                    removeNamed(headers, value);
                }
            } else {
                removeNamed(headers, first);
            }
        }
        for (AsciiString name : FIXED) {
            headers.remove(name);
        }
    }

    /** Removes every field named in one Connection value (the usual close/keep-alive need no lookup). */
    private static void removeNamed(HttpHeaders headers, String value) {
        int len = value.length();
        int start = 0;
        while (start <= len) {
            int comma = value.indexOf(',', start);
            int end = comma < 0 ? len : comma;
            int a = start;
            int b = end;
            while (a < b && isOws(value.charAt(a))) {
                a++;
            }
            while (b > a && isOws(value.charAt(b - 1))) {
                b--;
            }
            int n = b - a;
            if (n > 0 && !(n == 5 && value.regionMatches(true, a, "close", 0, 5))
                    && !(n == 10 && value.regionMatches(true, a, "keep-alive", 0, 10))) {
                headers.remove(value.substring(a, b));
            }
            start = end + 1;
        }
    }

    private static boolean isOws(char c) {
        return c == ' ' || c == '\t';
    }
}
