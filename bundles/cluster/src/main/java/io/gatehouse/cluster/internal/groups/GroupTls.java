package io.gatehouse.cluster.internal.groups;

import io.gatehouse.api.config.RuntimeFiles;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * How this node reaches other groups' admin APIs (docs/cluster.md, "Writes to another group"): an address is
 * {@code host:port} or {@code http://host:port} (plain HTTP) or {@code https://host:port} (HTTPS, the
 * certificate verified, chain and host name, by the JDK's client). The certificates trusted for HTTPS are
 * those of the PEM file {@code tls.trust} when it is set, else the JDK's trust store.
 */
public final class GroupTls {
    private GroupTls() {
    }

    /** The URI of {@code target} (a path and query) at {@code address}. */
    public static URI uri(String address, String target) {
        return URI.create(scheme(address) + hostPort(address) + target);
    }

    /** True when {@code address} is written {@code https://host:port}. */
    public static boolean https(String address) {
        return address.toLowerCase(Locale.ROOT).startsWith("https://");
    }

    /** {@code address} without its scheme. */
    public static String hostPort(String address) {
        String lower = address.toLowerCase(Locale.ROOT);
        if (lower.startsWith("https://")) {
            return address.substring("https://".length());
        }
        return lower.startsWith("http://") ? address.substring("http://".length()) : address;
    }

    private static String scheme(String address) {
        return https(address) ? "https://" : "http://";
    }

    /**
     * The context of the HTTPS addresses: trusting the certificates of {@code trustFile} (PEM, relative to the
     * runtime folder), or the JDK's trust store when it is empty. Throws {@link IllegalArgumentException}
     * naming the file and the reason.
     */
    public static SSLContext context(String trustFile) {
        try {
            if (trustFile == null || trustFile.isBlank()) {
                return SSLContext.getDefault();
            }
            Path file = RuntimeFiles.resolve(trustFile.trim());
            byte[] pem;
            try {
                pem = Files.readAllBytes(file);
            } catch (IOException e) {
                throw new IllegalArgumentException(file + ": cannot read it: " + e);
            }
            Collection<? extends Certificate> certificates;
            try {
                certificates = CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(pem));
            } catch (GeneralSecurityException e) {
                throw new IllegalArgumentException(file + ": not PEM certificates: " + e.getMessage());
            }
            if (certificates.isEmpty()) {
                throw new IllegalArgumentException(file + ": no certificate in it (PEM BEGIN CERTIFICATE blocks)");
            }
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int i = 0;
            for (Certificate c : List.copyOf(certificates)) {
                store.setCertificateEntry("trusted-" + i++, c);
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot set up TLS for other groups: " + e.getMessage(), e);
        }
    }
}
