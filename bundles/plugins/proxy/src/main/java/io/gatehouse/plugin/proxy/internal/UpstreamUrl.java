package io.gatehouse.plugin.proxy.internal;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * A server url of the proxy spec, {@code http://host[:port]} or {@code https://host[:port]}, parsed and
 * checked. The request path is forwarded as the client sent it, so a url may not carry a path, a query or
 * credentials.
 *
 * @param host  the host name or IP literal (an IPv6 literal without brackets), lower case
 * @param port  the port, 80 (443 for https) when the url has none
 * @param https whether the upstream is reached over TLS
 */
record UpstreamUrl(String host, int port, boolean https) {

    /** Parses a url; failures throw {@link IllegalArgumentException} with a message fit for a violation. */
    static UpstreamUrl parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("a url is required, such as http://127.0.0.1:8080");
        }
        URI uri;
        try {
            uri = new URI(text.trim());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("'" + text + "' is not a valid url: " + e.getReason(), e);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new IllegalArgumentException("'" + text + "' is not an http:// or https:// url, such as"
                    + " http://127.0.0.1:8080");
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("'" + text + "' has no valid host, such as http://127.0.0.1:8080");
        }
        if (uri.getRawUserInfo() != null) {
            throw new IllegalArgumentException("credentials in a server url are not supported");
        }
        String path = uri.getRawPath();
        if (path != null && !path.isEmpty() && !path.equals("/")) {
            throw new IllegalArgumentException("a path in a server url is not supported ('" + path
                    + "'): the request path is forwarded as the client sent it");
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new IllegalArgumentException("a query or fragment in a server url is not supported");
        }
        boolean https = scheme.equals("https");
        int port = uri.getPort() == -1 ? (https ? 443 : 80) : uri.getPort();
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be 1..65535: " + port);
        }
        String host = uri.getHost().toLowerCase(Locale.ROOT);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return new UpstreamUrl(host, port, https);
    }

    /** The normalized form, {@code http[s]://host:port}: the identity of a server across generations. */
    String url() {
        return (https ? "https://" : "http://") + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
