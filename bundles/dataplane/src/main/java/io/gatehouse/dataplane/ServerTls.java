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

    /**
     * One certificate chain and its private key: PEM files read on this node ({@code certificate} and
     * {@code key}, read again every {@code reloadInterval}), or the PEM text of a {@code TLSCertificate} object
     * named {@code object} ({@code certificatePem} and {@code keyPem}, replaced when the object is written).
     * {@link #toString} never shows the key.
     *
     * @param certificate    the chain's file, or null for an object's
     * @param key            the key's file, or null for an object's
     * @param object         the TLSCertificate object's name, or null for files
     * @param certificatePem the object's chain, or null for files
     * @param keyPem         the object's private key, or null for files
     */
    public record Certificate(Path certificate, Path key, String object, String certificatePem, String keyPem) {
        public Certificate {
            boolean files = certificate != null || key != null;
            if (files) {
                Objects.requireNonNull(certificate, "certificate");
                Objects.requireNonNull(key, "key");
                if (object != null || certificatePem != null || keyPem != null) {
                    throw new IllegalArgumentException("files or an object, not both");
                }
            } else {
                Objects.requireNonNull(object, "certificate, key or object");
                Objects.requireNonNull(certificatePem, "certificatePem");
                Objects.requireNonNull(keyPem, "keyPem");
            }
        }

        /** A pair of PEM files. */
        public Certificate(Path certificate, Path key) {
            this(certificate, key, null, null, null);
        }

        /**
         * The PEM text of the {@code TLSCertificate} object {@code object}.
         *
         * @since 0.5
         */
        public static Certificate ofObject(String object, String certificatePem, String keyPem) {
            return new Certificate(null, null, object, certificatePem, keyPem);
        }

        /** True for PEM files, false for an object's text. */
        public boolean files() {
            return certificate != null;
        }

        @Override
        public String toString() {
            return files() ? "Certificate[" + certificate + ", " + key + "]" : "Certificate[TLSCertificate '" + object
                    + "']";
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
