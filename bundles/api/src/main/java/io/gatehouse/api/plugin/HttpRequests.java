package io.gatehouse.api.plugin;

/**
 * The rules of {@link HttpRequest} that do not depend on how a request is held: the gateway's request and the
 * test kit's both use them, so a plugin tested with the kit sees what it sees in the gateway.
 */
public final class HttpRequests {
    private HttpRequests() {
    }

    /**
     * The host of a {@code Host} (or {@code :authority}) value without its port: {@code example.com:8080} gives
     * {@code example.com}, {@code [::1]:80} gives {@code [::1]} (an IPv6 literal keeps its brackets); null for
     * null or empty.
     */
    public static String host(String hostHeader) {
        if (hostHeader == null || hostHeader.isEmpty()) {
            return null;
        }
        if (hostHeader.charAt(0) == '[') {
            int end = hostHeader.indexOf(']');
            return end < 0 ? hostHeader : hostHeader.substring(0, end + 1);
        }
        int colon = hostHeader.indexOf(':');
        return colon < 0 ? hostHeader : hostHeader.substring(0, colon);
    }

    /** The path of a request target: everything before {@code ?}. */
    public static String path(String target) {
        int q = target.indexOf('?');
        return q < 0 ? target : target.substring(0, q);
    }

    /** The query of a request target without {@code ?}, exactly as given, or null when there is none. */
    public static String query(String target) {
        int q = target.indexOf('?');
        return q < 0 ? null : target.substring(q + 1);
    }

    /**
     * Checks a request target a plugin sets: not empty, and already encoded (no space, control or non-ASCII
     * character).
     *
     * @throws IllegalArgumentException naming the first offending position
     */
    public static String checkTarget(String target) {
        if (target == null || target.isEmpty()) {
            throw new IllegalArgumentException("the request target must not be empty");
        }
        for (int i = 0; i < target.length(); i++) {
            char c = target.charAt(i);
            if (c <= ' ' || c >= 0x7f) {
                throw new IllegalArgumentException("the request target must be encoded: illegal character at " + i);
            }
        }
        return target;
    }

    /**
     * Checks a method a plugin sets: an HTTP token (RFC 9110 5.6.2), such as {@code GET} or {@code PURGE}.
     *
     * @throws IllegalArgumentException when it is not one
     */
    public static String checkMethod(String method) {
        if (method == null || method.isEmpty()) {
            throw new IllegalArgumentException("the method must not be empty");
        }
        for (int i = 0; i < method.length(); i++) {
            char c = method.charAt(i);
            boolean token = c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z'
                    || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
            if (!token) {
                throw new IllegalArgumentException("the method must be an HTTP token: illegal character at " + i);
            }
        }
        return method;
    }
}
