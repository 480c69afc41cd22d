package io.gatehouse.dataplane.internal.http;

import io.gatehouse.api.plugin.UpstreamTls;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client SSL contexts of HTTPS upstreams, one per distinct {@link UpstreamTls} (plugins build one per
 * spec, so there are few): TLS 1.3 and 1.2, ALPN {@code http/1.1} (the upstream codec speaks HTTP/1.1), the
 * trust store of the settings (a PEM file, or the JDK's), and host name verification unless switched off.
 * Built on the blocking executor (the trust file is read) and kept; bounded: past {@value #MAX} contexts the
 * cache is emptied and refilled as used. A context read from a trust file keeps the certificates it read; a
 * changed file is read again when a plugin with those settings is created anew (a re-applied pipeline).
 */
final class UpstreamTlsContexts {
    private static final Logger LOG = LoggerFactory.getLogger(UpstreamTlsContexts.class);
    static final int MAX = 256;

    private final Map<UpstreamTls, SslContext> contexts = new ConcurrentHashMap<>();

    /** The context of {@code tls}, or null when it is not built yet (build it with {@link #build}). */
    SslContext cached(UpstreamTls tls) {
        return contexts.get(tls);
    }

    /** Builds (reading the trust file) and keeps the context; throws with the reason. */
    SslContext build(UpstreamTls tls) throws SSLException {
        SslContext known = contexts.get(tls);
        if (known != null) {
            return known;
        }
        SslContextBuilder builder = SslContextBuilder.forClient()
                .sslProvider(SslProvider.JDK)
                .protocols("TLSv1.3", "TLSv1.2")
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                        List.of(ApplicationProtocolNames.HTTP_1_1)));
        if (!tls.verify()) {
            LOG.warn("HTTPS upstreams with verify: false: their certificates are not checked (anyone on the path can"
                    + " read and change the traffic); use it for tests only");
            builder.trustManager(InsecureTrustManagerFactory.INSTANCE);
        } else {
            builder.endpointIdentificationAlgorithm("HTTPS");
            if (tls.trust() != null) {
                try {
                    builder.trustManager(tls.trust().toFile());
                } catch (IllegalArgumentException e) {
                    throw new SSLException("cannot read the trusted certificates of " + tls.trust() + ": "
                            + e.getMessage(), e);
                }
            }
        }
        SslContext context;
        try {
            context = builder.build();
        } catch (SSLException e) {
            throw new SSLException("cannot use the trusted certificates " + (tls.trust() == null ? "of the JDK"
                    : "of " + tls.trust()) + ": " + e.getMessage(), e);
        }
        if (contexts.size() >= MAX) {
            contexts.clear();
        }
        SslContext raced = contexts.putIfAbsent(tls, context);
        return raced != null ? raced : context;
    }

    /** The pool key of a connection to {@code host} with {@code tls}: plain and HTTPS connections never mix. */
    static String poolKey(String host, UpstreamTls tls) {
        return tls == null ? host : "https|" + tls + "|" + host;
    }
}
