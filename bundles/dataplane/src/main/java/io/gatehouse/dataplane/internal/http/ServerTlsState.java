package io.gatehouse.dataplane.internal.http;

import io.gatehouse.dataplane.DataPlane;
import io.gatehouse.dataplane.PemKeyPair;
import io.gatehouse.dataplane.ServerTls;
import io.netty.handler.codec.http2.Http2SecurityUtil;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.netty.util.DomainWildcardMappingBuilder;
import io.netty.util.Mapping;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SSL contexts of one HTTPS listener: one per certificate of its {@link ServerTls}, found by the SNI name
 * the client sends (the first certificate for a client that sends none, or a name no certificate lists), each
 * offering ALPN {@code h2} (when the listener has HTTP/2 on) and {@code http/1.1}, the configured protocol
 * versions and the cipher suites HTTP/2 accepts (TLS 1.3's, and TLS 1.2's ECDHE with AES-GCM or ChaCha20).
 * JDK provider. {@link #reloadIfChanged} (on the data plane's blocking executor, one at a time) reads the files
 * again and swaps the mapping when they changed and are valid; a connection takes the mapping it finds when it
 * is accepted.
 */
final class ServerTlsState {
    private static final Logger LOG = LoggerFactory.getLogger(ServerTlsState.class);

    private final String server;
    private final ServerTls tls;
    private final boolean http2;
    private volatile Mapping<String, SslContext> mapping;
    /** What the mapping serves, for the expiry metric; replaced with it. */
    private volatile List<DataPlane.ServedCertificate> served = List.of();
    /** Digest of the files as last looked at (loaded or refused). */
    private volatile String seen;

    private ServerTlsState(String server, ServerTls tls, boolean http2) {
        this.server = server;
        this.tls = tls;
        this.http2 = http2;
    }

    /** Reads and checks every certificate; throws an {@link SSLException} naming the file and the reason. */
    static ServerTlsState load(String server, ServerTls tls, boolean http2) throws SSLException {
        ServerTlsState state = new ServerTlsState(server, tls, http2);
        String digest = state.digest();
        state.mapping = state.build();
        state.seen = digest;
        return state;
    }

    /** The certificates served now. */
    List<DataPlane.ServedCertificate> served() {
        return served;
    }

    ServerTls settings() {
        return tls;
    }

    /** The SNI name → context mapping for a connection accepted now. */
    Mapping<String, SslContext> mapping() {
        return mapping;
    }

    /**
     * Reads the files again (a few kilobytes) and, when they changed and are valid, serves new handshakes with
     * them; a change that is not valid is logged and the previous contexts keep serving. Answers whether it
     * reloaded.
     */
    synchronized boolean reloadIfChanged() {
        try {
            String digest = digest();
            if (digest.equals(seen)) {
                return false;
            }
            seen = digest;
            mapping = build();
            return true;
        } catch (SSLException e) {
            LOG.error("HTTPServer '{}': TLS certificates not reloaded, the previous ones keep serving: {}", server,
                    e.getMessage());
            return false;
        }
    }

    private Mapping<String, SslContext> build() throws SSLException {
        DomainWildcardMappingBuilder<SslContext> builder = null;
        List<String> described = new ArrayList<>();
        List<DataPlane.ServedCertificate> certificates = new ArrayList<>();
        for (ServerTls.Certificate c : tls.certificates()) {
            PemKeyPair pair;
            try {
                pair = c.files() ? PemKeyPair.read(c.certificate(), c.key())
                        : PemKeyPair.parse(c.certificatePem(), c.keyPem(), "TLSCertificate '" + c.object() + "'",
                                "TLSCertificate '" + c.object() + "' key");
            } catch (IllegalArgumentException e) {
                throw new SSLException("TLS: " + e.getMessage());
            }
            SslContext context = context(pair);
            if (builder == null) {
                builder = new DomainWildcardMappingBuilder<>(context);
            }
            for (String name : pair.names()) {
                builder.add(name, context);
            }
            described.add(pair.names() + " (" + pair.describe() + ")");
            X509Certificate leaf = pair.chain().get(0);
            certificates.add(new DataPlane.ServedCertificate(pair.names(), leaf.getSubjectX500Principal().getName(),
                    leaf.getNotAfter().toInstant()));
        }
        LOG.info("HTTPServer '{}': TLS certificates loaded: {}", server, String.join("; ", described));
        served = List.copyOf(certificates);
        return builder.build();
    }

    private SslContext context(PemKeyPair pair) throws SSLException {
        List<String> protocols = http2 ? List.of(ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1)
                : List.of(ApplicationProtocolNames.HTTP_1_1);
        return SslContextBuilder.forServer(pair.key(), pair.chain().toArray(new X509Certificate[0]))
                .sslProvider(SslProvider.JDK)
                .protocols(tls.protocols())
                .ciphers(Http2SecurityUtil.CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, protocols))
                .build();
    }

    /**
     * SHA-256 over every certificate and key file. An object's text is part of the settings (a new text is new
     * settings, a new state): it never changes under a state.
     */
    private String digest() throws SSLException {
        List<Path> files = new ArrayList<>();
        for (ServerTls.Certificate c : tls.certificates()) {
            if (c.files()) {
                files.add(c.certificate());
                files.add(c.key());
            }
        }
        try {
            return PemKeyPair.digest(files);
        } catch (IllegalArgumentException e) {
            throw new SSLException("TLS: " + e.getMessage());
        }
    }
}
