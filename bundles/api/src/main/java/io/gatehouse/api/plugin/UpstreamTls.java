package io.gatehouse.api.plugin;

import java.nio.file.Path;
import java.util.Objects;

/**
 * HTTPS to an upstream ({@link Forward#tls}): which certificates it is trusted with and whether it is verified.
 * Immutable value; equal settings share the data plane's client context and its pooled connections.
 *
 * @param trust      a PEM file of the certificate authorities (or self-signed certificates) to trust; null for
 *                   the JDK's default trust store
 * @param verify     check the upstream's certificate chain and that it names {@code serverName} (the default);
 *                   false accepts any certificate (encryption without authentication: for tests only)
 * @param serverName the name sent as SNI and checked against the certificate; null for the forward's host
 *                   (an IP literal is checked against the certificate's IP addresses and sent without SNI)
 * @since 2.2
 */
public record UpstreamTls(Path trust, boolean verify, String serverName) {
    /** The JDK's trust store, verified, named by the forward's host. */
    public static final UpstreamTls DEFAULT = new UpstreamTls(null, true, null);

    public UpstreamTls {
        if (serverName != null && serverName.isBlank()) {
            throw new IllegalArgumentException("serverName must not be blank");
        }
    }

    /** Trusting the certificates of a PEM file, verified. */
    public static UpstreamTls trusting(Path trust) {
        return new UpstreamTls(Objects.requireNonNull(trust, "trust"), true, null);
    }
}
