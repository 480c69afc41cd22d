package io.gatehouse.dataplane.internal.http;

import io.gatehouse.api.plugin.UpstreamTls;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client SSL contexts of HTTPS upstreams, one per distinct {@link UpstreamTls} (plugins build one per
 * spec, so there are few): TLS 1.3 and 1.2, ALPN {@code http/1.1} (the upstream codec speaks HTTP/1.1), the
 * trust store of the settings (a PEM file, or the JDK's), and host name verification unless switched off.
 * Each is built once at a time (concurrent connects wait for the same build) on the data plane's blocking
 * threads, as the trust file is read, and built again when it is older than {@link #REFRESH}: a changed trust
 * file is used within a minute. Bounded: past {@value #MAX} settings the others are forgotten.
 */
final class UpstreamTlsContexts {
    private static final Logger LOG = LoggerFactory.getLogger(UpstreamTlsContexts.class);
    static final int MAX = 256;
    static final Duration REFRESH = Duration.ofMinutes(1);

    /** A context being built or built, and when its build started. */
    private record Built(CompletableFuture<SslContext> context, long startedNanos) {
        boolean usable(long now) {
            return !context.isCompletedExceptionally()
                    && (!context.isDone() || now - startedNanos <= REFRESH.toNanos());
        }
    }

    private final Map<UpstreamTls, Built> contexts = new ConcurrentHashMap<>();
    /** Settings whose {@code verify: false} was warned about (once each). */
    private final Set<UpstreamTls> warned = ConcurrentHashMap.newKeySet();
    /** Pool keys by settings and host: built once, so that a request allocates none. */
    private final Map<UpstreamTls, Map<String, String>> keys = new ConcurrentHashMap<>();

    /** The context of {@code tls} when it is built and fresh, else null (then {@link #context}). Never blocks. */
    SslContext cached(UpstreamTls tls) {
        Built b = contexts.get(tls);
        if (b == null || !b.context().isDone() || !b.usable(System.nanoTime())) {
            return null;
        }
        return b.context().getNow(null);
    }

    /**
     * The context of {@code tls}: the fresh one, the one being built, or one built now on the calling thread
     * (a blocking one: the trust file is read). Completes exceptionally with an {@link SSLException} naming the
     * file and the reason.
     */
    CompletableFuture<SslContext> context(UpstreamTls tls) {
        long now = System.nanoTime();
        Built mine = new Built(new CompletableFuture<>(), now);
        Built b = contexts.compute(tls, (k, old) -> old != null && old.usable(now) ? old : mine);
        if (b == mine) {
            if (contexts.size() > MAX) {
                contexts.keySet().removeIf(k -> !k.equals(tls));
            }
            try {
                mine.context().complete(build(tls));
            } catch (SSLException | RuntimeException e) {
                mine.context().completeExceptionally(e);
            }
        }
        return b.context();
    }

    private SslContext build(UpstreamTls tls) throws SSLException {
        SslContextBuilder builder = SslContextBuilder.forClient()
                .sslProvider(SslProvider.JDK)
                .protocols("TLSv1.3", "TLSv1.2")
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                        List.of(ApplicationProtocolNames.HTTP_1_1)));
        if (!tls.verify()) {
            if (warned.size() < MAX && warned.add(tls)) {
                LOG.warn("HTTPS upstreams with verify: false ({}): their certificates are not checked (anyone on the"
                        + " path can read and change the traffic); use it for tests only", tls);
            }
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
        try {
            return builder.build();
        } catch (SSLException e) {
            throw new SSLException("cannot use the trusted certificates " + (tls.trust() == null ? "of the JDK"
                    : "of " + tls.trust()) + ": " + e.getMessage(), e);
        }
    }

    /**
     * The pool key of a connection to {@code host} with {@code tls}: plain and HTTPS connections never mix, nor
     * do connections with other TLS settings. Plain: the host itself; HTTPS: one string per settings and host,
     * made once.
     */
    String poolKey(String host, UpstreamTls tls) {
        if (tls == null) {
            return host;
        }
        Map<String, String> byHost = keys.get(tls);
        if (byHost == null) {
            if (keys.size() >= MAX) {
                keys.clear();
            }
            byHost = keys.computeIfAbsent(tls, k -> new ConcurrentHashMap<>());
        }
        String key = byHost.get(host);
        if (key == null) {
            if (byHost.size() >= MAX) {
                byHost.clear();
            }
            key = byHost.computeIfAbsent(host, h -> "https|" + tls + "|" + h);
        }
        return key;
    }
}
