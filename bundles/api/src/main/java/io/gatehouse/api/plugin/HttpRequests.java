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
            if (!isToken(method.charAt(i))) {
                throw new IllegalArgumentException("the method must be an HTTP token: illegal character at " + i);
            }
        }
        return method;
    }

    /**
     * Checks a header field a plugin sets, on a request or a response ({@link Headers#set}, {@link Headers#add}):
     * the name an HTTP token, the value free of control characters other than horizontal tab (RFC 9110 5.5), so
     * that nothing a plugin sets can split a message or smuggle another field.
     *
     * @throws IllegalArgumentException naming the field and the first offending position
     * @throws NullPointerException     when the name or the value is null
     * @since 2.1
     */
    public static void checkField(String name, String value) {
        if (name == null) {
            throw new NullPointerException("header name");
        }
        if (value == null) {
            throw new NullPointerException("value of header " + name);
        }
        if (name.isEmpty()) {
            throw new IllegalArgumentException("a header name must not be empty");
        }
        for (int i = 0; i < name.length(); i++) {
            if (!isToken(name.charAt(i))) {
                throw new IllegalArgumentException("not a valid header name: '" + name + "' (illegal character at "
                        + i + ")");
            }
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < ' ' && c != '\t' || c == 0x7f) {
                throw new IllegalArgumentException("the value of header " + name + " contains a control character at "
                        + i + (c == '\r' || c == '\n' ? " (a line break)" : ""));
            }
        }
    }

    private static boolean isToken(char c) {
        return c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z'
                || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
    }
}
