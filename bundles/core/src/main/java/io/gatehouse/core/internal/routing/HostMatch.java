package io.gatehouse.core.internal.routing;

import java.util.Locale;

/**
 * Matches the request host: exactly (ASCII case-insensitive) or, for {@code *.example.com}, any subdomain
 * of {@code example.com} (not {@code example.com} itself). Compares in place: no allocation per request.
 */
public final class HostMatch {
    private final String host;
    private final boolean wildcard;
    /** For a wildcard: {@code .example.com}; otherwise the host. */
    private final String pattern;

    public HostMatch(String host) {
        this.host = host.toLowerCase(Locale.ROOT);
        this.wildcard = host.startsWith("*.");
        this.pattern = wildcard ? this.host.substring(1) : this.host;
    }

    public boolean matches(String requestHost) {
        if (requestHost == null) {
            return false;
        }
        if (!wildcard) {
            return requestHost.equalsIgnoreCase(pattern);
        }
        int offset = requestHost.length() - pattern.length();
        return offset > 0 && requestHost.regionMatches(true, offset, pattern, 0, pattern.length());
    }

    /** The host as written, lowercased (identity for duplicate-rule detection). */
    public String host() {
        return host;
    }
}
