package io.gatehouse.dataplane;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The request-target rules every listener applies before a request is routed (RFC 9112 3.2, RFC 3986 6.2.2),
 * exported so that the core checks routing rules with the very same code.
 *
 * <p>An origin-form target is checked and its path normalized: percent-encoded unreserved characters are
 * decoded ({@code %64} is {@code d}, {@code %2E} is {@code .}), repeated slashes are merged, then dot segments
 * are removed ({@code ..} at the root stays at the root). Percent-encoded reserved characters ({@code %2F},
 * {@code %3F}...) keep their exact bytes, hexadecimal case included, and so does the query. The path must
 * consist of RFC 3986 path characters; the query of visible ASCII except {@code #}; every {@code %} must start
 * a valid percent-encoding. A segment that is a dot segment followed by parameters ({@code ..;x}) is refused:
 * some servers strip the parameters and would resolve it.
 *
 * <p>Allocation-free for a target that is already normal (the same String is returned). Thread-safe.
 */
public final class RequestTarget {
    private static final int PATH = 1;
    private static final int UNRESERVED = 2;
    private static final int QUERY = 4;
    private static final int HOST = 8;
    private static final byte[] CLASS = new byte[128];

    static {
        String alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        for (char c : (alnum + "-._~").toCharArray()) {
            CLASS[c] |= UNRESERVED | PATH | HOST;
        }
        for (char c : "!$&'()*+,;=:@/".toCharArray()) {
            CLASS[c] |= PATH;
        }
        for (int c = 0x21; c < 0x7f; c++) {
            if (c != '#') {
                CLASS[c] |= QUERY;
            }
        }
    }

    private RequestTarget() {
    }

    /** A request target that is refused (400). The message is fit for a client. No stack trace. */
    public static final class InvalidTargetException extends Exception {
        private static final long serialVersionUID = 1L;

        public InvalidTargetException(String message) {
            super(message, null, false, false);
        }
    }

    /** An absolute-form target reduced to its authority and an origin-form target. */
    public record Absolute(String authority, String originForm) {
    }

    /**
     * Checks an origin-form target ({@code /path[?query]}) and returns it in normal form: the same instance
     * when it already is normal.
     *
     * @param reject refuse a target that is not in normal form instead of normalizing it
     * @throws InvalidTargetException when the target is malformed, or not normal and {@code reject} is set
     */
    public static String normalize(String target, boolean reject) throws InvalidTargetException {
        int n = target.length();
        if (n == 0 || target.charAt(0) != '/') {
            throw new InvalidTargetException("the request target must start with /");
        }
        int query = n;
        boolean normal = true;
        int segment = 1;
        for (int i = 1; i < n; i++) {
            char c = target.charAt(i);
            if (c == '/') {
                if (i == segment || dotSegment(target, segment, i)) {
                    normal = false;
                }
                segment = i + 1;
            } else if (c == '?') {
                query = i;
                break;
            } else if (c == '%') {
                int v = percent(target, i, n);
                if (v < 128 && (CLASS[v] & UNRESERVED) != 0) {
                    normal = false;
                }
                i += 2;
            } else if (c >= 128 || (CLASS[c] & PATH) == 0) {
                throw invalidCharacter(c, "path");
            }
        }
        if (segment < query && dotSegment(target, segment, query)) {
            normal = false;
        }
        for (int i = query + 1; i < n; i++) {
            char c = target.charAt(i);
            if (c == '%') {
                percent(target, i, n);
                i += 2;
            } else if (c >= 128 || (CLASS[c] & QUERY) == 0) {
                throw invalidCharacter(c, "query");
            }
        }
        if (normal) {
            return target;
        }
        if (reject) {
            throw new InvalidTargetException("the request path is not in normal form (dot segments, repeated "
                    + "slashes or percent-encoded unreserved characters) and this server refuses such paths");
        }
        return normalizePath(target, query) + target.substring(query);
    }

    /** True when {@code path} (no query) is valid and already in normal form; for checking routing rules. */
    public static boolean isNormalPath(String path) {
        if (path.indexOf('?') >= 0) {
            return false;
        }
        try {
            return normalize(path, true) == path;
        } catch (InvalidTargetException e) {
            return false;
        }
    }

    /**
     * Parses an absolute-form target ({@code http://host[:port]/path?query}, scheme http or https, no user
     * information) into its authority and the normalized origin-form target.
     *
     * @throws InvalidTargetException when it is no such URI, or its path is refused by {@link #normalize}
     */
    public static Absolute absolute(String target, boolean reject) throws InvalidTargetException {
        int colon = target.indexOf(':');
        if (colon <= 0 || !scheme(target, colon)) {
            throw new InvalidTargetException("the request target must be an absolute path (origin-form, /path) "
                    + "or an absolute URI (http://host/path)");
        }
        String scheme = target.substring(0, colon).toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new InvalidTargetException("absolute-form targets must use the http or https scheme");
        }
        if (!target.startsWith("//", colon + 1)) {
            throw new InvalidTargetException("an absolute-form target must have an authority (http://host/...)");
        }
        int start = colon + 3;
        int end = start;
        while (end < target.length() && target.charAt(end) != '/' && target.charAt(end) != '?') {
            end++;
        }
        String authority = target.substring(start, end);
        if (authority.indexOf('@') >= 0) {
            throw new InvalidTargetException("user information in the request target is not accepted");
        }
        if (!validHost(authority, false)) {
            throw new InvalidTargetException("the authority of the request target is not a valid host[:port]");
        }
        String rest = target.substring(end);
        String origin = rest.isEmpty() || rest.charAt(0) == '?' ? "/" + rest : rest;
        return new Absolute(authority, normalize(origin, reject));
    }

    /**
     * True when {@code value} is a valid RFC 3986 {@code host[:port]}: a registered name (letters, digits,
     * {@code -._~} and percent-encodings; sub-delimiters are refused because the value is copied into
     * list-valued fields such as {@code X-Forwarded-Host}), an IPv4 address, or an IPv6 literal in brackets;
     * the port, when present, 1 to 5 digits up to 65535.
     *
     * @param allowEmpty whether the empty value is valid (an HTTP/1.1 {@code Host} may be empty)
     */
    public static boolean validHost(CharSequence value, boolean allowEmpty) {
        int n = value.length();
        if (n == 0) {
            return allowEmpty;
        }
        int i;
        if (value.charAt(0) == '[') {
            int close = -1;
            for (int k = 1; k < n; k++) {
                char c = value.charAt(k);
                if (c == ']') {
                    close = k;
                    break;
                }
                if (!(c == ':' || c == '.' || hex(c) >= 0)) {
                    return false;
                }
            }
            if (close < 0 || !ipv6(value.subSequence(1, close))) {
                return false;
            }
            i = close + 1;
        } else {
            i = 0;
            while (i < n && value.charAt(i) != ':') {
                char c = value.charAt(i);
                if (c == '%') {
                    if (i + 2 >= n || hex(value.charAt(i + 1)) < 0 || hex(value.charAt(i + 2)) < 0) {
                        return false;
                    }
                    i += 3;
                } else if (c < 128 && (CLASS[c] & HOST) != 0) {
                    i++;
                } else {
                    return false;
                }
            }
            if (i == 0) {
                return false;
            }
        }
        if (i == n) {
            return true;
        }
        if (value.charAt(i) != ':' || n - i - 1 < 1 || n - i - 1 > 5) {
            return false;
        }
        int port = 0;
        for (int k = i + 1; k < n; k++) {
            char c = value.charAt(k);
            if (c < '0' || c > '9') {
                return false;
            }
            port = port * 10 + (c - '0');
        }
        return port <= 65535;
    }

    /** An IPv6 address (RFC 4291 text form, optionally ending in IPv4 dotted form), no zone. */
    private static boolean ipv6(CharSequence s) {
        int n = s.length();
        if (n < 2) {
            return false;
        }
        int groups = 0;
        boolean compressed = false;
        int i = 0;
        if (s.charAt(0) == ':') {
            if (s.charAt(1) != ':') {
                return false;
            }
            compressed = true;
            i = 2;
            if (i == n) {
                return true;
            }
        }
        while (i < n) {
            int start = i;
            while (i < n && hex(s.charAt(i)) >= 0) {
                i++;
            }
            int len = i - start;
            if (i < n && s.charAt(i) == '.') {
                // an embedded IPv4 address ends the address and counts as two groups
                if (!ipv4(s, start, n)) {
                    return false;
                }
                groups += 2;
                i = n;
                break;
            }
            if (len < 1 || len > 4) {
                return false;
            }
            groups++;
            if (i == n) {
                break;
            }
            // s.charAt(i) == ':'
            if (s.charAt(i) != ':') {
                return false;
            }
            i++;
            if (i < n && s.charAt(i) == ':') {
                if (compressed) {
                    return false;
                }
                compressed = true;
                i++;
                if (i == n) {
                    break;
                }
            } else if (i == n) {
                return false;
            }
        }
        return compressed ? groups <= 7 : groups == 8;
    }

    private static boolean ipv4(CharSequence s, int from, int to) {
        int parts = 0;
        int i = from;
        while (i <= to) {
            int start = i;
            int v = 0;
            while (i < to && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
                v = v * 10 + (s.charAt(i) - '0');
                i++;
                if (i - start > 3) {
                    return false;
                }
            }
            if (i == start || v > 255 || (i - start > 1 && s.charAt(start) == '0')) {
                return false;
            }
            parts++;
            if (i == to) {
                break;
            }
            if (s.charAt(i) != '.') {
                return false;
            }
            i++;
        }
        return parts == 4;
    }

    private static boolean scheme(String s, int end) {
        char first = s.charAt(0);
        if (!(first >= 'a' && first <= 'z' || first >= 'A' && first <= 'Z')) {
            return false;
        }
        for (int i = 1; i < end; i++) {
            char c = s.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '+' || c == '-'
                    || c == '.')) {
                return false;
            }
        }
        return true;
    }

    /** The decoded value of the percent-encoding at {@code i}. */
    private static int percent(String s, int i, int n) throws InvalidTargetException {
        int hi = i + 1 < n ? hex(s.charAt(i + 1)) : -1;
        int lo = i + 2 < n ? hex(s.charAt(i + 2)) : -1;
        if (hi < 0 || lo < 0) {
            throw new InvalidTargetException("invalid percent-encoding in the request target");
        }
        return hi << 4 | lo;
    }

    private static int hex(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    private static InvalidTargetException invalidCharacter(char c, String where) {
        String shown = c > 0x20 && c < 0x7f ? "'" + c + "'" : String.format("0x%02X", (int) c);
        return new InvalidTargetException("the request target contains a character that must be percent-encoded "
                + "in its " + where + ": " + shown);
    }

    /**
     * Whether the raw segment {@code [from, to)} is {@code .} or {@code ..}; throws for a dot segment with
     * parameters.
     */
    private static boolean dotSegment(CharSequence s, int from, int to) throws InvalidTargetException {
        int len = to - from;
        if (len == 0 || s.charAt(from) != '.') {
            return false;
        }
        int dots = len >= 2 && s.charAt(from + 1) == '.' ? 2 : 1;
        if (len == dots) {
            return true;
        }
        if (s.charAt(from + dots) == ';') {
            throw new InvalidTargetException("a dot segment with parameters (such as ..;x) is ambiguous and "
                    + "not accepted in the request path");
        }
        return false;
    }

    /** The slow path: the path {@code [0, end)} of a target that is valid but not normal. */
    private static String normalizePath(String target, int end) throws InvalidTargetException {
        StringBuilder decoded = new StringBuilder(end);
        for (int i = 0; i < end; i++) {
            char c = target.charAt(i);
            if (c == '%') {
                int v = percent(target, i, end);
                if (v < 128 && (CLASS[v] & UNRESERVED) != 0) {
                    decoded.append((char) v);
                } else {
                    decoded.append(target, i, i + 3);
                }
                i += 2;
            } else {
                decoded.append(c);
            }
        }
        List<String> kept = new ArrayList<>();
        boolean trailingSlash = false;
        int from = 1;
        int n = decoded.length();
        while (from <= n) {
            int slash = decoded.indexOf("/", from);
            int to = slash < 0 ? n : slash;
            boolean last = slash < 0;
            trailingSlash = false;
            if (to == from) {
                trailingSlash = last;
            } else if (dotSegment(decoded, from, to)) {
                if (to - from == 2 && !kept.isEmpty()) {
                    kept.remove(kept.size() - 1);
                }
                trailingSlash = last;
            } else {
                kept.add(decoded.substring(from, to));
            }
            from = to + 1;
        }
        StringBuilder out = new StringBuilder(n);
        for (String s : kept) {
            out.append('/').append(s);
        }
        if (kept.isEmpty() || trailingSlash) {
            out.append('/');
        }
        return out.toString();
    }
}
