package io.gatehouse.core.internal.config;

import java.util.List;

/**
 * The spec of an HTTPServer as written (sizes and durations still text). Bound by Jackson with unknown
 * fields rejected; defaults and cross-field rules are applied by {@link HttpServerValidator}.
 */
public record HttpServerSpec(String address, Integer port, Boolean http2, String maxInitialLineLength,
                             String maxHeaderSize, String maxRequestBody, String idleTimeout, Boolean xForwarded,
                             String via, String pathNormalization, String requestHeadTimeout,
                             String bodyIdleTimeout, Integer maxConnections, Tls tls, List<Rule> rules) {

    /** HTTPS: certificates as PEM files on each node (the first is the default), protocols, reload interval. */
    public record Tls(List<Certificate> certificates, List<String> protocols, String reloadInterval) {
    }

    /**
     * A certificate chain and its private key: PEM files (relative paths from the node's runtime folder), or
     * {@code ref}, the name of a TLSCertificate object.
     */
    public record Certificate(String certificate, String key, String ref) {
    }

    /** One routing rule. */
    public record Rule(String host, String path, String pathPrefix, String pathRegex, List<String> methods,
                       List<Header> headers, String pipeline) {
    }

    /** One header condition of a rule. */
    public record Header(String name, String value, String regex) {
    }
}
