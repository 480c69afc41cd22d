package io.gatehouse.admin.internal;

import io.gatehouse.api.cluster.Consensus;
import io.gatehouse.api.cluster.GroupAuthenticator;
import io.gatehouse.api.config.ConfigService;
import io.gatehouse.api.config.RuntimeFiles;
import io.gatehouse.api.config.Units;
import io.gatehouse.api.stats.ClusterTraffic;
import io.gatehouse.api.stats.TrafficStats;
import io.gatehouse.dataplane.DataPlane;
import java.net.BindException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin REST API: an embedded Jetty 12 core server (no servlets, no Pax Web) on its own port, with a
 * bounded thread pool and a connection limit, serving {@link ConfigService} over HTTP. The port is bound
 * during activation, so a port in use makes the component fail to activate with a precise message instead
 * of running deaf.
 * A configuration change restarts the server (deactivate + activate).
 *
 * <p>The cluster service ({@link Consensus}) is optional and dynamic: it may come and go while the server runs
 * ({@link ClusterView} reads it on every request). Whether the core runs standalone (commits locally without
 * a cluster service) is read from the {@link ConfigService}'s service property {@code standalone}: DS
 * publishes the core's configuration (PID {@code io.gatehouse.core}) as its service properties, and the
 * property is absent (the default, {@code true}) when the configuration does not set it. A change of the
 * core's configuration re-registers its service, which restarts this component.
 *
 * <p>The cluster bundle's {@link GroupAuthenticator} is optional and dynamic too: the internal endpoint that
 * takes writes forwarded from other groups ({@link ForwardEndpoint}) asks it to check their signatures, and
 * answers 503 while it is absent.
 */
@Component(configurationPid = AdminServer.PID, immediate = true)
@Designate(ocd = AdminServer.Config.class)
public class AdminServer {
    static final String PID = "io.gatehouse.admin";
    private static final Logger LOG = LoggerFactory.getLogger(AdminServer.class);

    /** Settings of the admin API (configuration PID {@code io.gatehouse.admin}). */
    @ObjectClassDefinition(name = "Gatehouse admin API", description = "The REST API that manages the configuration")
    public @interface Config {
        @AttributeDefinition(description = "Interface to listen on; 0.0.0.0 for all (secure it first)")
        String host() default "127.0.0.1";

        @AttributeDefinition(description = "TCP port, 1..65535 (0 picks a free port)")
        int port() default 9900;

        @AttributeDefinition(description = "Largest accepted request body, such as 4MiB; larger bodies get 413")
        String maxRequestSize() default "4MiB";

        @AttributeDefinition(description = "Maximum threads of the server's pool, 4..256")
        int threads() default 16;

        @AttributeDefinition(description = "Maximum open client connections, 1..10000; more wait in the OS backlog")
        int maxConnections() default 64;

        @AttributeDefinition(description = "Idle connections are closed after this long, such as 30s; 1s..24h")
        String idleTimeout() default "30s";

        @AttributeDefinition(description = "When the node stops, /api/v1/ready answers 503 this long before "
                + "anything else stops (load balancers take the node out first); 0s..30s")
        String drainDelay() default "0s";

        @AttributeDefinition(description = "HTTPS: a PEM file with the certificate, then its chain (with tlsKey; "
                + "empty: plain HTTP); a relative path is resolved against the runtime folder")
        String tlsCertificate() default "";

        @AttributeDefinition(description = "HTTPS: a PEM file with the certificate's private key, unencrypted PKCS#8")
        String tlsKey() default "";

        @AttributeDefinition(description = "How often the certificate and key files are read again to see whether "
                + "they changed (a changed, valid pair serves new handshakes at once); 1s..1h")
        String tlsReloadInterval() default "10s";

        @AttributeDefinition(description = "TLS protocol versions, comma-separated: TLSv1.3 and/or TLSv1.2")
        String tlsProtocols() default "TLSv1.3,TLSv1.2";
    }

    private final Server server;
    private final AdminTokens tokens = new AdminTokens();
    private final AuditLog audit = new AuditLog();
    private final Router router;
    private final Duration drainDelay;
    /** True once the node is stopping: readiness answers 503. */
    private volatile boolean draining;
    private final ServerConnector connector;
    /** HTTPS on the port, or null for plain HTTP. */
    private final AdminTls tls;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile Consensus consensus;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile GroupAuthenticator authenticator;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile TrafficStats trafficStats;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile ClusterTraffic clusterTraffic;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile DataPlane dataPlane;

    /** DS: a unary reference parameter of type Map.Entry receives the service with its properties. */
    @Activate
    public AdminServer(@Reference(name = "config", policyOption = ReferencePolicyOption.GREEDY)
                       Map.Entry<Map<String, ?>, ConfigService> config,
                       Config settings) {
        this(config.getValue(), settings, NodeIdentity.load(NodeIdentity.karafDirectory()), null, null,
                standalone(config.getKey().get("standalone")), bootstrap());
    }

    /**
     * A standalone node without a cluster service, with a given node identity and bootstrap token (tests).
     *
     * @param bootstrap the SHA-256 of the node's bootstrap token, or null for none
     */
    AdminServer(ConfigService config, Config settings, NodeIdentity node, String bootstrap) {
        this(config, settings, node, null, null, true, bootstrap);
    }

    /**
     * With a given node identity (tests).
     *
     * @param consensus  the cluster service (read on every request), or null for the one DS binds
     * @param standalone whether the core commits locally without a cluster service
     */
    AdminServer(ConfigService config, Config settings, NodeIdentity node, Supplier<Consensus> consensus,
                boolean standalone, String bootstrap) {
        this(config, settings, node, consensus, null, standalone, bootstrap);
    }

    /**
     * With a given node identity and cluster services (tests).
     *
     * @param consensus     the cluster service (read on every request), or null for the one DS binds
     * @param authenticator checks writes forwarded from other groups (read on every request), or null for the
     *                      one DS binds
     * @param standalone    whether the core commits locally without a cluster service
     * @param bootstrap     the SHA-256 of the node's bootstrap token, or null for none
     */
    AdminServer(ConfigService config, Config settings, NodeIdentity node, Supplier<Consensus> consensus,
                Supplier<GroupAuthenticator> authenticator, boolean standalone, String bootstrap) {
        Settings s = Settings.of(settings);
        this.drainDelay = s.drainDelay;
        // Jetty must never have its own tasks rejected, so the pool's queue stays unbounded (Jetty warns about
        // bounded ones); what bounds the work is the connection limit below: HTTP/1.1 carries one request at a
        // time per connection, so queued work is at most a few tasks per admitted connection.
        QueuedThreadPool pool = new QueuedThreadPool(s.threads, Math.min(2, s.threads), 60_000, 0, null, null);
        pool.setName("gatehouse-admin");
        pool.setDaemon(true);
        server = new Server(pool);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        this.tls = s.tls();
        if (tls != null) {
            // HTTPS only: the connection is TLS or nothing; the request's Host need not name the certificate
            SecureRequestCustomizer secure = new SecureRequestCustomizer(false);
            secure.setSniHostCheck(false);
            http.addCustomizer(secure);
            connector = new ServerConnector(server, 1, 1,
                    new SslConnectionFactory(tls.factory(), HttpVersion.HTTP_1_1.asString()),
                    new HttpConnectionFactory(http));
        } else {
            connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
        }
        connector.setHost(s.host);
        connector.setPort(s.port);
        connector.setIdleTimeout(s.idleTimeout.toMillis());
        server.addConnector(connector);
        server.addBean(new NetworkConnectionLimit(s.maxConnections, connector));
        // graceful stop: an in-flight write finishes (bounded) instead of having its thread interrupted;
        // idle keep-alive connections cost up to a second of the stop
        server.setStopTimeout(5_000);

        Rendering rendering = new Rendering();
        Router router = new Router();
        Supplier<Consensus> cluster = consensus != null ? consensus : () -> this.consensus;
        ClusterView view = new ClusterView(config, cluster, standalone, rendering);
        new StatusEndpoints(config, rendering, node, view, () -> draining).register(router);
        view.register(router);
        new ObjectsEndpoints(config, rendering, view::group).register(router);
        new StatsEndpoints(() -> trafficStats, () -> clusterTraffic, () -> ClusterView.STANDALONE_NODE)
                .register(router);
        Supplier<GroupAuthenticator> signatures = authenticator != null ? authenticator : () -> this.authenticator;
        new ForwardEndpoint(cluster, signatures, rendering).register(router);
        new TokensEndpoints(config, tokens, bootstrap != null).register(router);
        new MetricsEndpoint(config, () -> trafficStats, cluster, () -> dataPlane,
                () -> this.tls == null ? null : this.tls.current()).register(router);
        new OpenApiEndpoint().register(router);
        audit.register(router);
        this.router = router;
        // the console's static files first (they need no token; their data comes from the API), then the API
        server.setHandler(new Handler.Sequence(new ConsoleHandler(rendering), new ApiHandler(router, rendering,
                s.maxRequestSize, new Authenticator(config, bootstrap, signatures), audit)));
        server.setErrorHandler(new JsonErrorHandler(rendering));
        start(s);
    }

    /**
     * The SHA-256 of this node's bootstrap token, set at its first start (BootstrapToken); null outside Karaf,
     * where only tokens of the configuration count.
     */
    private static String bootstrap() {
        Path data = BootstrapToken.karafData();
        if (data == null) {
            LOG.warn("No karaf.data: the admin API has no bootstrap token, only ApiToken objects open it");
            return null;
        }
        return BootstrapToken.load(data, BootstrapToken.given(), new AdminTokens()).sha256();
    }

    /** The route table (tests compare it with the OpenAPI document). */
    Router router() {
        return router;
    }

    /** Sends the audit log's lines to {@code sink} (tests). */
    void audit(Consumer<String> sink) {
        audit.sink(sink);
    }

    /** Binds the statistics services as DS would (tests). */
    void traffic(TrafficStats stats, ClusterTraffic cluster) {
        this.trafficStats = stats;
        this.clusterTraffic = cluster;
    }

    private void start(Settings s) {
        try {
            server.start();
            if (tls != null) {
                tls.start();
            }
        } catch (Exception e) {
            String message = bindFailure(e)
                    ? "Admin API cannot listen on " + s.host + ":" + s.port + ": the address is already in use"
                        + " (set 'port' in configuration " + PID + ")"
                    : "Admin API cannot start on " + s.host + ":" + s.port + ": " + e.getMessage();
            LOG.error(message, e);
            stopQuietly();
            throw new IllegalStateException(message, e);
        }
        String scheme = tls != null ? "https" : "http";
        LOG.info("Admin API listening on {}://{}:{}/api/v1, web console on {}://{}:{}/console/ (maxRequestSize {}"
                + " bytes, {} threads, {} connections)", scheme, s.host, port(), scheme, s.host, port(),
                s.maxRequestSize, s.threads, s.maxConnections);
    }

    /**
     * The core's {@code standalone} setting from its service property: a Boolean, or a String from a
     * configuration file; absent means the default, true.
     */
    static boolean standalone(Object property) {
        if (property == null) {
            return true;
        }
        return !(Boolean.FALSE.equals(property) || "false".equalsIgnoreCase(String.valueOf(property).trim()));
    }

    /** The port actually bound (differs from the configured one when that is 0). */
    public int port() {
        return connector.getLocalPort();
    }

    /**
     * DS: when the framework is stopping (the node shuts down, not a configuration change), readiness turns
     * 503 and the server keeps answering for {@code drainDelay} before it stops; the core, stopped after this
     * bundle, then closes the listeners and drains the requests in flight.
     */
    @Deactivate
    void deactivate(BundleContext context) {
        Bundle framework = context.getBundle(0);
        if (framework != null && framework.getState() == Bundle.STOPPING && !drainDelay.isZero()) {
            draining = true;
            LOG.info("The node is stopping: /api/v1/ready answers 503 for {} ms before the gateway stops",
                    drainDelay.toMillis());
            try {
                Thread.sleep(drainDelay.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        stop();
    }

    public void stop() {
        draining = true;
        stopQuietly();
        LOG.info("Admin API stopped");
    }

    private void stopQuietly() {
        if (tls != null) {
            tls.close();
        }
        try {
            server.stop();
        } catch (Exception e) {
            LOG.warn("Admin API did not stop cleanly", e);
        }
    }

    /** The HTTPS state, or null when the port speaks plain HTTP (tests). */
    AdminTls tls() {
        return tls;
    }

    private static boolean bindFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException) {
                return true;
            }
        }
        return false;
    }

    /** Validated settings; every rejection names the property and the configuration PID. */
    private record Settings(String host, int port, int maxRequestSize, int threads, int maxConnections,
                            Duration idleTimeout, Duration drainDelay, Config config) {

        /** HTTPS when a certificate and key are set: read and checked now (refused with the property's name). */
        AdminTls tls() {
            String certificate = config.tlsCertificate() == null ? "" : config.tlsCertificate().trim();
            String key = config.tlsKey() == null ? "" : config.tlsKey().trim();
            if (certificate.isEmpty() && key.isEmpty()) {
                return null;
            }
            if (certificate.isEmpty() || key.isEmpty()) {
                throw invalid(certificate.isEmpty() ? "tlsCertificate" : "tlsKey", "",
                        "set both tlsCertificate and tlsKey for HTTPS, or neither for plain HTTP");
            }
            Duration interval;
            try {
                interval = Units.duration(config.tlsReloadInterval(), Duration.ofSeconds(1), Duration.ofHours(1));
            } catch (IllegalArgumentException e) {
                throw invalid("tlsReloadInterval", config.tlsReloadInterval(), e.getMessage());
            }
            List<String> protocols = new ArrayList<>();
            for (String p : String.valueOf(config.tlsProtocols()).split(",")) {
                String protocol = p.trim();
                if (!protocol.equals("TLSv1.3") && !protocol.equals("TLSv1.2")) {
                    throw invalid("tlsProtocols", config.tlsProtocols(), "use TLSv1.3 and/or TLSv1.2, comma-separated");
                }
                protocols.add(protocol);
            }
            try {
                return new AdminTls(RuntimeFiles.resolve(certificate), RuntimeFiles.resolve(key), interval, protocols);
            } catch (IllegalArgumentException e) {
                throw invalid("tlsCertificate/tlsKey", certificate + ", " + key, e.getMessage());
            }
        }

        static Settings of(Config c) {
            String host = c.host() == null || c.host().isBlank() ? "127.0.0.1" : c.host().trim();
            if (c.port() < 0 || c.port() > 65535) {
                throw invalid("port", c.port(), "use 1..65535, or 0 for a free port");
            }
            if (c.threads() < 4 || c.threads() > 256) {
                throw invalid("threads", c.threads(), "use 4..256");
            }
            if (c.maxConnections() < 1 || c.maxConnections() > 10_000) {
                throw invalid("maxConnections", c.maxConnections(), "use 1..10000");
            }
            long size;
            Duration idle;
            try {
                size = Units.bytes(c.maxRequestSize(), 1024, 1024L * 1024 * 1024);
            } catch (IllegalArgumentException e) {
                throw invalid("maxRequestSize", c.maxRequestSize(), e.getMessage());
            }
            try {
                idle = Units.duration(c.idleTimeout(), Duration.ofSeconds(1), Duration.ofHours(24));
            } catch (IllegalArgumentException e) {
                throw invalid("idleTimeout", c.idleTimeout(), e.getMessage());
            }
            Duration drain;
            try {
                // at most 30 s: ./gatehouse stop waits 60 s for the whole stop, the drain of the data plane included
                drain = Units.duration(c.drainDelay(), Duration.ZERO, Duration.ofSeconds(30));
            } catch (IllegalArgumentException e) {
                throw invalid("drainDelay", c.drainDelay(), e.getMessage());
            }
            return new Settings(host, c.port(), (int) size, c.threads(), c.maxConnections(), idle, drain, c);
        }

        private static IllegalArgumentException invalid(String property, Object value, String hint) {
            String message = "Invalid admin API configuration (" + PID + "): " + property + "=" + value + ": " + hint;
            LOG.error(message);
            return new IllegalArgumentException(message);
        }
    }
}
