package io.gatehouse.core.internal.routing;

import io.gatehouse.api.plugin.HttpRequest;
import java.util.regex.Pattern;

/**
 * One compiled routing rule. Unset matchers are null; {@link #matches} checks the cheap ones first.
 *
 * @param host       host condition or null
 * @param path       exact path or null
 * @param pathPrefix path prefix or null
 * @param pathRegex  path regex (searched, anchor it with {@code ^} to match from the start) or null
 * @param methods    accepted methods or null for any
 * @param headers    header conditions, all must hold (empty for none)
 * @param pipeline   name of the pipeline requests go to
 */
public record Route(HostMatch host, String path, String pathPrefix, Pattern pathRegex, String[] methods,
                    HeaderMatch[] headers, String pipeline) {

    public boolean matches(HttpRequest request) {
        if (methods != null && !methodMatches(request.method())) {
            return false;
        }
        String p = request.path();
        if (path != null && !path.equals(p)) {
            return false;
        }
        if (pathPrefix != null && (p == null || !p.startsWith(pathPrefix))) {
            return false;
        }
        if (host != null && !host.matches(request.host())) {
            return false;
        }
        if (pathRegex != null && (p == null || !pathRegex.matcher(p).find())) {
            return false;
        }
        for (HeaderMatch h : headers) {
            if (!h.matches(request.headers())) {
                return false;
            }
        }
        return true;
    }

    /** What the route matches, in one line (for statistics): its conditions, or {@code every request}. */
    public String describe() {
        StringBuilder b = new StringBuilder();
        if (host != null) {
            b.append(" host=").append(host.host());
        }
        if (path != null) {
            b.append(" path=").append(path);
        }
        if (pathPrefix != null) {
            b.append(" pathPrefix=").append(pathPrefix);
        }
        if (pathRegex != null) {
            b.append(" pathRegex=").append(pathRegex.pattern());
        }
        if (methods != null) {
            b.append(" methods=").append(String.join(",", methods));
        }
        for (HeaderMatch h : headers) {
            b.append(" header=").append(h.describe());
        }
        return b.length() == 0 ? "every request" : b.substring(1);
    }

    private boolean methodMatches(String method) {
        for (String m : methods) {
            if (m.equals(method)) {
                return true;
            }
        }
        return false;
    }
}
