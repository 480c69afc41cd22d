package io.gatehouse.dataplane;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * HTTPS on a listener: its certificates (PEM files, read with {@link PemKeyPair}), the protocol versions, and
 * how often the files are read again. The first certificate is the default; each other one serves the clients
 * whose SNI names one of its names (DNS subject alternative names, wildcards included, else its common name).
 * ALPN offers {@code h2} (when the listener has HTTP/2 on) and {@code http/1.1}.
 *
 * @param certificates   at least one; the first is the default
 * @param protocols      TLS versions to enable, such as {@code TLSv1.3} and {@code TLSv1.2}
 * @param reloadInterval how often the files are read again; changed, valid files serve new handshakes
 * @since 0.4
 */
public record ServerTls(List<Certificate> certificates, List<String> protocols, Duration reloadInterval) {

    /** One certificate chain and its private key, as PEM files. */
    public record Certificate(Path certificate, Path key) {
        public Certificate {
            Objects.requireNonNull(certificate, "certificate");
            Objects.requireNonNull(key, "key");
        }
    }

    public ServerTls {
        certificates = List.copyOf(certificates);
        protocols = List.copyOf(protocols);
        Objects.requireNonNull(reloadInterval, "reloadInterval");
        if (certificates.isEmpty()) {
            throw new IllegalArgumentException("at least one certificate is needed");
        }
        if (protocols.isEmpty()) {
            throw new IllegalArgumentException("at least one protocol is needed");
        }
        if (reloadInterval.isNegative() || reloadInterval.isZero()) {
            throw new IllegalArgumentException("reloadInterval must be positive: " + reloadInterval);
        }
    }
}
