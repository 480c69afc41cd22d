package io.gatehouse.core.internal.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.gatehouse.api.cluster.ClusterStatus;
import io.gatehouse.api.cluster.Consensus;
import io.gatehouse.api.cluster.WriteGateway;
import io.gatehouse.api.config.ConfigException;
import io.gatehouse.api.config.ConfigFormat;
import io.gatehouse.api.config.ConfigObject;
import io.gatehouse.api.config.ConfigService;
import io.gatehouse.api.config.DeleteRequest;
import io.gatehouse.api.config.ObjectStatus;
import io.gatehouse.api.config.KindUse;
import io.gatehouse.api.config.PluginKindInfo;
import io.gatehouse.api.config.Units;
import io.gatehouse.api.config.WriteMode;
import io.gatehouse.api.config.WriteRequest;
import io.gatehouse.api.config.WriteResult;
import io.gatehouse.api.log.Change;
import io.gatehouse.api.log.LogEntry;
import io.gatehouse.api.log.LogListener;
import io.gatehouse.api.log.OperationLog;
import io.gatehouse.api.plugin.PluginKind;
import io.gatehouse.api.stats.TrafficStats;
import io.gatehouse.core.internal.engine.CanaryPlugin;
import io.gatehouse.core.internal.engine.Generation;
import io.gatehouse.core.internal.engine.PipelineRegistry;
import io.gatehouse.core.internal.engine.PluginStats;
import io.gatehouse.core.internal.kinds.KindEntry;
import io.gatehouse.core.internal.kinds.PluginKindRegistry;
import io.gatehouse.core.internal.stats.AccessLog;
import io.gatehouse.core.internal.stats.Traffic;
import io.gatehouse.dataplane.DataPlane;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.DoubleSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
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
 * The {@link ConfigService}: a DS component that owns the single configuration thread and wires the
 * configuration path, plan → commit → apply. A write is routed (planned here when this node leads its group
 * or runs standalone, forwarded to the leader otherwise), planned by the {@link Planner} one at a time
 * ({@link WriteQueue}), committed through the cluster's {@link Consensus} or locally, and answered once the
 * {@link Applier} has applied its entry on this node. The component is also the log's {@link LogListener}
 * (committed entries and installed snapshots are applied on the configuration thread; registered by
 * {@link #activate(BundleContext, Config)} once the boot replay is done, not as a DS service: the store binds its
 * listeners and the core needs the store, so a DS-provided listener makes a reference cycle in which SCR may
 * leave the listener unbound) and the {@link WriteGateway} that answers writes other nodes forward to this
 * leader. Reads use the volatile snapshots the applier and the running state publish.
 */
@Component(service = {ConfigService.class, WriteGateway.class}, immediate = true,
        configurationPid = "io.gatehouse.core")
@Designate(ocd = CoreConfigService.Config.class)
public class CoreConfigService implements ConfigService, LogListener, WriteGateway {
    private static final Logger LOG = LoggerFactory.getLogger(CoreConfigService.class);
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([^}]+)}");
    private static final int QUEUE = 4096;
    /** Writes waiting on this node (queued to plan, committing, or waiting for their entry to apply). */
    static final int MAX_PENDING_WRITES = 1000;
    /** The group a standalone node belongs to (the cluster's default group name). */
    static final String STANDALONE_GROUP = "default";
    private static final String DEFAULT_REQUEST_ID = "gatehouse-embedded-default";
    /** How often a node whose configuration is blank looks whether it leads (to write the embedded default). */
    static final Duration DEFAULTS_CHECK = Duration.ofMillis(250);
    /** The largest {@code portOffset}. */
    static final int MAX_PORT_OFFSET = 1000;
    /**
     * How often the configuration thread applies what is committed even without a notification (a notification
     * dropped under overload, or one that came while the listener was being registered).
     */
    static final Duration CATCH_UP_CHECK = Duration.ofSeconds(1);

    /** Configuration of the core. */
    @ObjectClassDefinition(name = "Gatehouse core", description = "Configuration objects, pipelines and routing")
    public @interface Config {
        @AttributeDefinition(description = "YAML applied through the ordinary write path when the operation log "
                + "is empty at first start; a missing file means no defaults")
        String defaults() default "${karaf.etc}/gatehouse-default.yaml";

        @AttributeDefinition(description = "Store a snapshot and compact the log every this many entries (0 = never)")
        int snapshotEvery() default 100;

        @AttributeDefinition(description = "Without a cluster service, commit writes locally (a one-node group); "
                + "when false, writes are refused (503) until the cluster service runs")
        boolean standalone() default true;

        @AttributeDefinition(description = "Default deadline of a write (100ms..60s)")
        String writeTimeout() default "10s";

        @AttributeDefinition(description = "An HTTPServer whose port is taken when the log is replayed tries "
                + "again after this long, doubling per failure (10ms..1h)")
        String bindRetryInitial() default "1s";

        @AttributeDefinition(description = "Longest delay between two bind attempts (bindRetryInitial..1h)")
        String bindRetryMax() default "30s";

        @AttributeDefinition(description = "Added to the port of every HTTPServer on this node only (0..1000), so "
                + "that several nodes of one group can run on one machine; never replicated")
        int portOffset() default 0;

        @AttributeDefinition(description = "A plugin kind version that goes away while pipelines use it, with no "
                + "other registered version they accept (its bundle being updated in place), leaves them served "
                + "by their current instances this long before they become unavailable (0s..1m)")
        String kindGrace() default "5s";

        @AttributeDefinition(description = "Write one JSON line per request to the logger gatehouse.access "
                + "(data/log/access.log); asynchronous, never waits for the disk")
        boolean accessLog() default true;

        @AttributeDefinition(description = "Access log entries that may wait for the writer (1024..1048576); "
                + "more are dropped and counted")
        int accessLogQueue() default 65_536;
    }

    /** The traffic counters, whose snapshots also name this node's plugin kinds (the console shows them per node). */
    private static Traffic traffic(PluginKindRegistry kinds) {
        Traffic traffic = new Traffic();
        traffic.kinds(() -> kinds.infos().stream().map(k -> k.name() + " " + k.version()).sorted().toList());
        return traffic;
    }

    /** The parts of a running core, published together once replay is done. */
    private record Parts(RunningState running, Applier applier, Planner planner, WriteQueue queue,
                         LocalCommitter local) {
    }

    private final PluginKindRegistry kinds = new PluginKindRegistry();
    private final Set<String> pendingKinds = new LinkedHashSet<>();
    private final ConfigCodec codec;
    private final SpecBinder binder;
    private final ForwardCodec forwardCodec;
    private final AppliedWaiters waiters = new AppliedWaiters();
    private final Set<CompletableFuture<?>> inFlight = ConcurrentHashMap.newKeySet();

    @Reference(policyOption = ReferencePolicyOption.GREEDY)
    private OperationLog log;
    @Reference(policyOption = ReferencePolicyOption.GREEDY)
    private DataPlane dataPlane;
    private volatile Consensus consensus;

    private volatile ThreadPoolExecutor executor;
    // delays bind retries and write deadlines; a bind retry fires by queueing the retry on the configuration
    // thread. Its queue holds at most one pending retry per unbound HTTPServer and one deadline per write in
    // flight (cancelled ones are removed), so it is bounded by them.
    private volatile ScheduledThreadPoolExecutor timer;
    private volatile Thread configThread;
    private volatile Parts parts;
    private volatile boolean standalone = true;
    private volatile Duration writeTimeout = Duration.ofSeconds(10);
    /** The embedded default to write once this node leads a blank group; null when there is none (or it is done). */
    private volatile Path defaultsFile;
    /** The default's write is in flight (configuration thread and the write's completion). */
    private final AtomicBoolean defaultsWriting = new AtomicBoolean();
    private volatile ScheduledFuture<?> defaultsWatch;
    private volatile ScheduledFuture<?> catchUpWatch;
    /** {@link #CATCH_UP_CHECK}; tests that hold a node's applies back set it longer. */
    volatile Duration catchUpCheck = CATCH_UP_CHECK;
    private volatile ServiceRegistration<LogListener> listenerRegistration;
    private volatile ServiceRegistration<TrafficStats> trafficRegistration;
    private volatile ScheduledFuture<?> trafficFold;
    /** This node's traffic counters (since this activation); registered as the {@link TrafficStats} service. */
    final Traffic traffic = traffic(kinds);
    /** The access log while the core runs with it on; null otherwise. */
    private volatile AccessLog accessLog;
    /** The spread of bind-retry delays (tests pin it). */
    DoubleSupplier bindRetryJitter = BindRetry::randomJitter;
    /** How the planner checks that a port is free (tests use their fake data plane's). */
    PortProbe portProbe = PortProbe.SOCKET;

    public CoreConfigService() {
        Json json = new Json();
        this.codec = new ConfigCodec(json);
        this.binder = new SpecBinder(json.json());
        this.forwardCodec = new ForwardCodec(json.json());
    }

    /** For tests: the references DS would inject. */
    CoreConfigService(OperationLog log, DataPlane dataPlane) {
        this();
        this.log = log;
        this.dataPlane = dataPlane;
    }

    /** For tests: binds or unbinds the cluster service as DS would. */
    void consensus(Consensus c) {
        if (c == null) {
            this.consensus = null;
        } else {
            bindConsensus(c);
        }
    }

    /**
     * The cluster's commit service (optional, dynamic: it comes once the cluster node has joined its group and
     * goes when the cluster bundle stops; the node keeps serving its applied state meanwhile). A Consensus that
     * appears after activation may make this node the leader of a blank group: the embedded default is checked
     * at once.
     */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, unbind = "unbindConsensus")
    void bindConsensus(Consensus c) {
        this.consensus = c;
        ThreadPoolExecutor ex = executor;
        if (defaultsFile != null && ex != null) {
            try {
                ex.execute(this::checkDefaults);
            } catch (RejectedExecutionException e) {
                // stopping, or the queue is full: the watch looks again
            }
        }
    }

    void unbindConsensus(Consensus c) {
        if (consensus == c) {
            consensus = null;
        }
    }

    @Activate
    void activate(BundleContext context, Config config) throws Exception {
        start(config);
        LogListener listener = new LogListener() {
            @Override
            public void committed(long commitIndex) {
                CoreConfigService.this.committed(commitIndex);
            }

            @Override
            public void snapshotInstalled(long index) {
                CoreConfigService.this.snapshotInstalled(index);
            }
        };
        listenerRegistration = context.registerService(LogListener.class, listener, null);
        trafficRegistration = context.registerService(TrafficStats.class, traffic, null);
        // what committed between the boot replay and the registration
        committed(log.commitIndex());
    }

    /**
     * Activation without the OSGi framework (unit tests tell the service of commits themselves). Not named
     * {@code activate}: SCR prefers an {@code activate} with one component-property-type parameter over the
     * two-parameter one (DS 1.3, 112.5.8), and would then never register the log listener.
     */
    void start(Config config) throws Exception {
        if (config.snapshotEvery() < 0) {
            throw new IllegalArgumentException("snapshotEvery must be 0 or more: " + config.snapshotEvery());
        }
        Duration retryInitial = duration("bindRetryInitial", config.bindRetryInitial(), Duration.ofMillis(10),
                Duration.ofHours(1));
        Duration retryMax = duration("bindRetryMax", config.bindRetryMax(), retryInitial, Duration.ofHours(1));
        writeTimeout = duration("writeTimeout", config.writeTimeout(), Duration.ofMillis(100), Duration.ofSeconds(60));
        Duration kindGrace = duration("kindGrace", config.kindGrace(), Duration.ZERO, Duration.ofMinutes(1));
        standalone = config.standalone();
        if (config.accessLogQueue() < 1024 || config.accessLogQueue() > 1_048_576) {
            throw new IllegalArgumentException("accessLogQueue must be between 1024 and 1048576: "
                    + config.accessLogQueue());
        }
        if (config.portOffset() < 0 || config.portOffset() > MAX_PORT_OFFSET) {
            throw new IllegalArgumentException("portOffset must be between 0 and " + MAX_PORT_OFFSET + ": "
                    + config.portOffset());
        }
        ThreadPoolExecutor ex = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
                new LinkedBlockingQueue<>(QUEUE), r -> {
                    Thread t = new Thread(r, "gatehouse-config");
                    t.setDaemon(true);
                    configThread = t;
                    return t;
                });
        executor = ex;
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
            Thread thread = new Thread(r, "gatehouse-config-timer");
            thread.setDaemon(true);
            return thread;
        });
        t.setRemoveOnCancelPolicy(true);
        t.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        timer = t;
        BindRetry retry = new BindRetry(this::schedule, retryInitial, retryMax, bindRetryJitter);
        if (config.accessLog()) {
            accessLog = AccessLog.toLogger(config.accessLogQueue());
            traffic.accessLog(accessLog);
        }
        RunningState running = new RunningState(dataPlane, kinds, binder, retry, portProbe, config.portOffset(), traffic);
        traffic.routes(running.listeners()::routeCounters);
        running.kindGrace(kindGrace);
        Applier applier = new Applier(log, codec, running, RequestOutcomes.DEFAULT_CAPACITY, config.snapshotEvery(),
                waiters::appliedTo);
        Planner planner = new Planner(codec, binder, kinds, applier, running);
        LocalCommitter local = new LocalCommitter(log);
        WriteQueue queue = new WriteQueue(ex, planner, applier, waiters, this::commit, MAX_PENDING_WRITES);
        Parts p = new Parts(running, applier, planner, queue, local);
        try {
            // One task on the configuration thread, so that a kind change or a commit notification queued
            // meanwhile runs after it and already sees the parts.
            call(() -> {
                applier.boot();
                if (consensus == null && standalone) {
                    local.start();
                }
                parts = p;
                return null;
            });
            Path defaults = defaultsFile(config.defaults());
            if (defaults != null && call(() -> blankness(p)) != Blankness.WRITTEN) {
                if (call(() -> blankness(p)) == Blankness.BLANK && leadsOrStandalone()) {
                    applyDefaults(defaults);
                }
                if (call(() -> blankness(p)) != Blankness.WRITTEN) {
                    watchDefaults(defaults);
                }
            }
        } catch (Exception e) {
            LOG.error("The Gatehouse core cannot start", e);
            shutdown(p);
            closeAccessLog();
            throw e;
        }
        watchCommits();
        trafficFold = timer.scheduleWithFixedDelay(traffic::fold, Traffic.FOLD_SECONDS,
                Traffic.FOLD_SECONDS, TimeUnit.SECONDS);
        LOG.info("Gatehouse core started at log index {} with {} objects ({}{})", applier.appliedIndex(),
                applier.objects().size(), consensus != null ? "cluster" : standalone ? "standalone" : "no cluster service",
                config.portOffset() == 0 ? "" : ", HTTPServer ports + " + config.portOffset());
    }

    /** Whether this node's configuration was ever written (see {@link #blankness}). */
    private enum Blankness {
        /** Nothing was ever written, and every committed entry is applied. */
        BLANK,
        /** Nothing applied so far was a write, but committed entries are still to be applied. */
        CATCHING_UP,
        /** Something was written. */
        WRITTEN
    }

    /**
     * Was anything ever written to this node's configuration: an object, or a remembered request (every write,
     * deletes included, leaves its request id; the no-op a new leader appends leaves none)? Until every
     * committed entry is applied the answer may still change. Configuration thread.
     */
    private Blankness blankness(Parts p) throws IOException {
        Applier a = p.applier();
        if (!a.objects().isEmpty() || a.outcomes() > 0) {
            return Blankness.WRITTEN;
        }
        return a.appliedIndex() >= log.commitIndex() ? Blankness.BLANK : Blankness.CATCHING_UP;
    }

    /**
     * Writes the embedded default once this node leads a blank group: when it leads at start this is done
     * in {@link #activate}; a node whose Consensus comes later, or that becomes leader later, is checked when
     * the Consensus binds and every {@link #DEFAULTS_CHECK} until its configuration is no longer blank (the
     * default written here or by another leader, or any other write).
     */
    private void watchDefaults(Path defaults) {
        defaultsFile = defaults;
        ScheduledThreadPoolExecutor t = timer;
        if (t == null) {
            return;
        }
        try {
            defaultsWatch = t.scheduleWithFixedDelay(() -> {
                ThreadPoolExecutor ex = executor;
                if (defaultsFile == null || ex == null) {
                    ScheduledFuture<?> w = defaultsWatch;
                    if (w != null) {
                        w.cancel(false);
                    }
                    return;
                }
                try {
                    ex.execute(this::checkDefaults);
                } catch (RejectedExecutionException e) {
                    // stopping, or the queue is full: next time
                }
            }, DEFAULTS_CHECK.toMillis(), DEFAULTS_CHECK.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // the core is stopping
        }
    }

    /** On the configuration thread: writes the default when this node leads a blank group (once). */
    private void checkDefaults() {
        Path file = defaultsFile;
        Parts p = parts;
        if (file == null || p == null || defaultsWriting.get()) {
            return;
        }
        try {
            Blankness b = blankness(p);
            if (b == Blankness.WRITTEN) {
                defaultsDone();
                return;
            }
            if (b == Blankness.CATCHING_UP) {
                return; // committed entries (a new leader's no-op, or the default itself) are still to be applied
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("The commit index cannot be read; the embedded default waits", e);
            return;
        }
        if (!leadsOrStandalone()) {
            return;
        }
        List<ConfigObject> objects;
        try {
            objects = codec.parse(Files.readAllBytes(file), format(file));
        } catch (ConfigException | IOException e) {
            LOG.error("The default configuration {} cannot be read: {}", file, e.getMessage());
            defaultsDone();
            return;
        }
        defaultsWriting.set(true);
        LOG.info("This node leads a group whose configuration is empty: writing the default configuration {}", file);
        route(WriteJob.write(DEFAULT_REQUEST_ID, WriteMode.APPLY, objects, true, writeTimeout), null)
                .whenComplete((outcome, failure) -> {
                    defaultsWriting.set(false);
                    if (failure == null) {
                        LOG.info("Applied {} default objects from {}", objects.size(), file);
                        defaultsDone();
                    } else if (Failures.of(failure, writeTimeout).status() >= 500) {
                        // no majority, leadership lost, timed out: the watch tries again while the group is blank
                        LOG.warn("The default configuration could not be committed yet ({}); trying again",
                                Failures.of(failure, writeTimeout).getMessage());
                    } else {
                        ConfigException e = Failures.of(failure, writeTimeout);
                        LOG.error("The default configuration {} was refused: {} {}", file, e.getMessage(), e.violations());
                        defaultsDone();
                    }
                });
    }

    private void defaultsDone() {
        defaultsFile = null;
        ScheduledFuture<?> w = defaultsWatch;
        if (w != null) {
            w.cancel(false);
        }
    }

    private boolean leadsOrStandalone() {
        Consensus c = consensus;
        if (c == null) {
            return standalone;
        }
        try {
            return c.status().leading();
        } catch (RuntimeException e) {
            LOG.warn("The cluster status cannot be read; the embedded default is left to the leader", e);
            return false;
        }
    }

    @Deactivate
    void deactivate() {
        unregister(listenerRegistration);
        listenerRegistration = null;
        unregister(trafficRegistration);
        trafficRegistration = null;
        ScheduledFuture<?> fold = trafficFold;
        if (fold != null) {
            fold.cancel(false);
        }
        ScheduledFuture<?> w = catchUpWatch;
        if (w != null) {
            w.cancel(false);
        }
        defaultsDone();
        Parts p = parts;
        parts = null;
        shutdown(p);
        closeAccessLog();
    }

    private void closeAccessLog() {
        traffic.accessLog(null);
        AccessLog a = accessLog;
        accessLog = null;
        if (a != null) {
            a.close();
        }
    }

    private void shutdown(Parts p) {
        ThreadPoolExecutor ex = executor;
        if (ex == null) {
            return;
        }
        if (p != null) {
            try {
                Future<?> f = ex.submit(p.running()::close);
                f.get(30, TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException | RejectedExecutionException e) {
                LOG.error("Closing listeners and plugins failed", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        ScheduledThreadPoolExecutor t = timer;
        if (t != null) {
            t.shutdownNow();
            timer = null;
        }
        ex.shutdown();
        try {
            if (t != null && !t.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.warn("The configuration timer did not stop in 10 s");
            }
            if (!ex.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.warn("The configuration thread did not stop in 10 s; interrupting it");
                ex.shutdownNow();
            }
        } catch (InterruptedException e) {
            ex.shutdownNow();
            Thread.currentThread().interrupt();
        }
        executor = null;
        ConfigException stopping = Failures.unavailable("the configuration service stopped; the write may still "
                + "commit: retry with the same Idempotency-Key");
        List.copyOf(inFlight).forEach(f -> f.completeExceptionally(stopping));
    }

    private static Duration duration(String name, String value, Duration min, Duration max) {
        try {
            return Units.duration(value, min, max);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + ": " + e.getMessage(), e);
        }
    }

    /**
     * Runs {@code task} on the configuration thread after {@code delay} (bind retries). The timer only queues
     * it; a retry that finds the queue full is queued again a second later rather than lost.
     */
    private BindRetry.Cancellable schedule(Duration delay, Runnable task) {
        Delayed d = new Delayed(task);
        d.arm(delay);
        return d;
    }

    private final class Delayed implements BindRetry.Cancellable, Runnable {
        private final Runnable task;
        private volatile boolean cancelled;
        private volatile ScheduledFuture<?> future;

        Delayed(Runnable task) {
            this.task = task;
        }

        void arm(Duration delay) {
            ScheduledThreadPoolExecutor t = timer;
            if (t == null || cancelled) {
                return;
            }
            try {
                future = t.schedule(this, delay.toMillis(), TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                LOG.debug("Not scheduling a bind retry: the core is stopping", e);
            }
        }

        @Override
        public void run() {
            ThreadPoolExecutor ex = executor;
            if (cancelled || ex == null) {
                return;
            }
            try {
                ex.execute(() -> {
                    if (!cancelled) {
                        task.run();
                    }
                });
            } catch (RejectedExecutionException e) {
                if (!ex.isShutdown()) {
                    LOG.debug("The configuration queue is full; a bind retry waits a second", e);
                    arm(Duration.ofSeconds(1));
                }
            }
        }

        @Override
        public void cancel() {
            cancelled = true;
            ScheduledFuture<?> f = future;
            if (f != null) {
                f.cancel(false);
            }
        }
    }

    static Path resolve(String path) {
        Matcher m = PLACEHOLDER.matcher(path);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String v = System.getProperty(m.group(1));
            if (v == null && m.group(1).equals("karaf.etc")) {
                v = "etc";
            }
            m.appendReplacement(out, Matcher.quoteReplacement(v == null ? "" : v));
        }
        m.appendTail(out);
        return Path.of(out.toString());
    }

    /**
     * The embedded default, written through the ordinary path at first start (boot mode: a port another
     * process holds does not refuse it, and plugin kinds may register later). Waits for it with the write
     * timeout; a default that is refused or times out is reported, and the core starts anyway.
     */
    private void applyDefaults(Path file) {
        try {
            byte[] doc = Files.readAllBytes(file);
            List<ConfigObject> objects = codec.parse(doc, format(file));
            await(route(WriteJob.write(DEFAULT_REQUEST_ID, WriteMode.APPLY, objects, true, writeTimeout), null));
            LOG.info("Applied {} default objects from {}", objects.size(), file);
        } catch (ConfigException e) {
            LOG.error("The default configuration {} was refused: {} {}", file, e.getMessage(), e.violations());
        } catch (IOException e) {
            LOG.error("The default configuration {} cannot be read", file, e);
        }
    }

    /** The embedded default's file, or null (with an INFO log) when none is configured or the file is missing. */
    private Path defaultsFile(String configured) {
        if (configured == null || configured.isBlank() || configured.trim().equalsIgnoreCase("none")) {
            LOG.info("No default configuration is configured");
            return null;
        }
        Path file = resolve(configured.trim());
        if (!Files.isRegularFile(file)) {
            LOG.info("There is no default configuration at {}", file);
            return null;
        }
        return file;
    }

    private static ConfigFormat format(Path file) {
        return file.toString().endsWith(".json") ? ConfigFormat.JSON : ConfigFormat.YAML;
    }

    // ---- plugin-kind whiteboard

    @Reference(service = PluginKind.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY, unbind = "unbindKind")
    void bindKind(PluginKind<?> kind, ServiceReference<?> ref) {
        Bundle bundle = ref.getBundle();
        Object ranking = ref.getProperty(Constants.SERVICE_RANKING);
        Object id = ref.getProperty(Constants.SERVICE_ID);
        addKind(kind, ranking instanceof Integer r ? r : 0, id instanceof Long l ? l : Long.MAX_VALUE,
                bundle == null ? "unknown" : bundle.getSymbolicName(),
                bundle == null ? "0.0.0" : bundle.getVersion().toString());
    }

    void unbindKind(PluginKind<?> kind, ServiceReference<?> ref) {
        removeKind(kind);
    }

    /** Registers a kind (the whiteboard's bind, without OSGi types). */
    void addKind(PluginKind<?> kind, int ranking, long serviceId, String bundle, String version) {
        String name;
        try {
            name = kind.name();
        } catch (RuntimeException e) {
            LOG.error("Plugin kind {} from bundle {} cannot tell its name; it is ignored", kind, bundle, e);
            return;
        }
        if (name == null || name.isEmpty()) {
            LOG.error("Plugin kind {} from bundle {} has no name; it is ignored", kind, bundle);
            return;
        }
        JsonNode schema;
        try {
            schema = codec.readJson(kind.schema());
        } catch (IOException | RuntimeException e) {
            LOG.warn("Plugin kind '{}' from bundle {} publishes no readable schema: {}", name, bundle, e.getMessage());
            schema = JsonNodeFactory.instance.objectNode();
        }
        kinds.add(new KindEntry(kind, name, ranking, serviceId, bundle, version, schema));
        LOG.info("Plugin kind '{}' registered by {} {}", name, bundle, version);
        scheduleRebuild(name);
    }

    void removeKind(PluginKind<?> kind) {
        String name = kinds.remove(kind);
        if (name != null) {
            LOG.info("Plugin kind '{}' unregistered", name);
            scheduleRebuild(name);
        }
    }

    /**
     * Queues a rebuild of the pipelines using {@code kindName}. Changes are coalesced into one pending set
     * drained by at most one queued task, so a burst of (un)registrations cannot fill the queue.
     */
    private void scheduleRebuild(String kindName) {
        ThreadPoolExecutor ex = executor;
        if (ex == null) {
            return;
        }
        boolean schedule;
        synchronized (pendingKinds) {
            schedule = pendingKinds.isEmpty();
            pendingKinds.add(kindName);
        }
        if (!schedule) {
            return;
        }
        try {
            ex.execute(this::rebuildPending);
        } catch (RejectedExecutionException e) {
            synchronized (pendingKinds) {
                pendingKinds.clear();
            }
            LOG.debug("Not rebuilding pipelines for kind '{}': the core is stopping", kindName, e);
        }
    }

    private void rebuildPending() {
        List<String> names;
        synchronized (pendingKinds) {
            names = new ArrayList<>(pendingKinds);
            pendingKinds.clear();
        }
        Parts p = parts;
        if (p == null) {
            return;
        }
        for (String name : names) {
            try {
                Duration again = p.running().kindChanged(name);
                if (again != null) {
                    schedule(again, () -> scheduleRebuild(name));
                }
            } catch (RuntimeException e) {
                LOG.error("Rebuilding the pipelines that use plugin kind '{}' failed", name, e);
            }
        }
    }

    // ---- LogListener (any thread: hands the work to the configuration thread)

    @Override
    public void committed(long commitIndex) {
        onConfigThread(p -> p.applier().catchUp());
    }

    @Override
    public void snapshotInstalled(long index) {
        onConfigThread(p -> p.applier().snapshotInstalled());
    }

    private static void unregister(ServiceRegistration<?> r) {
        if (r != null) {
            try {
                r.unregister();
            } catch (IllegalStateException e) {
                // already gone with the bundle
            }
        }
    }

    /** Applies what is committed every {@link #CATCH_UP_CHECK}, whether or not a notification came. */
    private void watchCommits() {
        ScheduledThreadPoolExecutor t = timer;
        if (t == null) {
            return;
        }
        try {
            catchUpWatch = t.scheduleWithFixedDelay(() -> {
                ThreadPoolExecutor ex = executor;
                if (ex == null || parts == null || ex.getQueue().remainingCapacity() < QUEUE / 2) {
                    return; // stopped, or busy enough that notifications are still coming
                }
                try {
                    ex.execute(() -> {
                        Parts p = parts;
                        if (p != null) {
                            p.applier().catchUp();
                        }
                    });
                } catch (RejectedExecutionException e) {
                    // stopping: nothing to catch up with
                }
            }, catchUpCheck.toMillis(), catchUpCheck.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // stopping
        }
    }

    private void onConfigThread(java.util.function.Consumer<Parts> task) {
        ThreadPoolExecutor ex = executor;
        if (ex == null || parts == null) {
            // not started yet (boot replay reads everything) or stopped
            return;
        }
        try {
            ex.execute(() -> {
                Parts p = parts;
                if (p != null) {
                    task.accept(p);
                }
            });
        } catch (RejectedExecutionException e) {
            LOG.warn("A log notification was dropped: the configuration thread is stopping or overloaded; the next "
                    + "one applies what is committed");
        }
    }

    // ---- WriteGateway (this node leads: a write another node forwarded)

    @Override
    public CompletableFuture<byte[]> handle(byte[] request, Duration timeout) {
        Parts p = parts;
        if (p == null) {
            return CompletableFuture.completedFuture(forwardCodec.encodeError(notRunning()));
        }
        CompletableFuture<Outcome> future = new CompletableFuture<>();
        CompletableFuture<Outcome> answered = track(future, timeout);
        try {
            WriteJob job = forwardCodec.decodeJob(request, timeout);
            p.queue().submit(job, future);
        } catch (ConfigException e) {
            future.completeExceptionally(e);
        }
        return answered.handle((outcome, failure) -> failure == null ? forwardCodec.encodeOutcome(outcome)
                : forwardCodec.encodeError(Failures.of(failure, timeout)));
    }

    // ---- the write path

    /**
     * Routes a write: planned here when this node leads its group (or runs standalone), forwarded to the
     * leader otherwise. The future completes by the job's deadline at the latest (504).
     */
    private CompletableFuture<Outcome> route(WriteJob job, String group) {
        CompletableFuture<Outcome> future = new CompletableFuture<>();
        Parts p = parts;
        if (p == null) {
            future.completeExceptionally(notRunning());
            return future;
        }
        if (inFlight.size() >= MAX_PENDING_WRITES) {
            future.completeExceptionally(Failures.unavailable("too many writes are waiting (" + MAX_PENDING_WRITES
                    + "); try again later"));
            return future;
        }
        CompletableFuture<Outcome> answered = track(future, job.timeout());
        try {
            Consensus c = consensus;
            if (c != null) {
                ClusterStatus status = c.status();
                boolean own = group == null || group.equals(status.group());
                if (own && status.leading()) {
                    p.queue().submit(job, future);
                } else {
                    forward(c, own ? null : group, job, future);
                }
            } else if (group != null && !group.equals(STANDALONE_GROUP)) {
                future.completeExceptionally(Failures.unavailable("this node's cluster service is not running; "
                        + "group '" + group + "' cannot be reached"));
            } else if (standalone) {
                p.queue().submit(job, future);
            } else {
                future.completeExceptionally(notRunning(p));
            }
        } catch (ConfigException e) {
            future.completeExceptionally(e);
        } catch (RuntimeException e) {
            future.completeExceptionally(Failures.of(e, job.timeout()));
        }
        return answered;
    }

    /**
     * Counts a write in flight and completes it with 504 when its deadline passes. Returns the future the
     * caller gets: it completes after the write stopped counting and its deadline was called off.
     */
    private CompletableFuture<Outcome> track(CompletableFuture<Outcome> future, Duration timeout) {
        inFlight.add(future);
        ScheduledFuture<?> deadline = null;
        ScheduledThreadPoolExecutor t = timer;
        try {
            if (t != null) {
                deadline = t.schedule(() -> future.completeExceptionally(Failures.timeout(timeout)), timeout.toMillis(),
                        TimeUnit.MILLISECONDS);
            }
        } catch (RejectedExecutionException e) {
            future.completeExceptionally(Failures.unavailable("the configuration service is stopping"));
        }
        ScheduledFuture<?> scheduled = deadline;
        return future.whenComplete((r, e) -> {
            inFlight.remove(future);
            if (scheduled != null) {
                scheduled.cancel(false);
            }
        });
    }

    /**
     * A follower's write: the leader of {@code group} (null: this node's) plans, commits and answers; for
     * this node's group the answer waits until this node has applied the entry too.
     */
    private void forward(Consensus c, String group, WriteJob job, CompletableFuture<Outcome> future) {
        c.forward(group, forwardCodec.encode(job), job.timeout()).whenComplete((answer, failure) -> {
            if (failure != null) {
                future.completeExceptionally(Failures.of(failure, job.timeout()));
                return;
            }
            Outcome outcome;
            try {
                outcome = forwardCodec.decodeAnswer(answer);
            } catch (ConfigException e) {
                future.completeExceptionally(e);
                return;
            }
            if (group != null || outcome.index() == 0) {
                future.complete(outcome);
                return;
            }
            CompletableFuture<Void> applied = waiters.await(outcome.index());
            future.whenComplete((r, e) -> applied.cancel(false));
            applied.thenRun(() -> future.complete(outcome));
        });
    }

    /** The commit step, on the configuration thread: the cluster when it runs, else the local committer. */
    private CompletableFuture<LogEntry> commit(String requestId, List<Change> changes, Duration timeout) {
        Consensus c = consensus;
        Parts p = parts;
        try {
            if (c != null) {
                return c.commit(requestId, changes, timeout);
            }
            if (!standalone || p == null) {
                return CompletableFuture.failedFuture(notRunning(p));
            }
            return CompletableFuture.completedFuture(p.local().commit(requestId, changes));
        } catch (IOException | RuntimeException e) {
            LOG.error("Committing write request {} failed; the change is refused", requestId, e);
            return CompletableFuture.failedFuture(e);
        }
    }

    private ConfigException notRunning() {
        return Failures.unavailable("the configuration service is not running");
    }

    private ConfigException notRunning(Parts p) {
        if (p == null) {
            return notRunning();
        }
        return Failures.unavailable("this node's cluster service is not running; it serves its last applied "
                + "configuration (index " + p.applier().appliedIndex() + ")");
    }

    private static String requestId(String given) {
        return given == null || given.isEmpty() ? UUID.randomUUID().toString() : given;
    }

    /** Waits for a write's future (which completes by its deadline); never on the configuration thread. */
    private <T> T await(CompletableFuture<T> future) throws ConfigException {
        if (Thread.currentThread() == configThread) {
            throw new IllegalStateException("a write cannot wait on the configuration thread");
        }
        try {
            return future.get(writeTimeout.toMillis() + 5_000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Failures.unavailable("interrupted while waiting for the write; it may still be applied");
        } catch (ExecutionException e) {
            throw Failures.of(e, writeTimeout);
        } catch (TimeoutException e) {
            throw Failures.timeout(writeTimeout);
        }
    }

    // ---- ConfigService

    @Override
    public List<ConfigObject> parse(byte[] document, ConfigFormat format) throws ConfigException {
        return codec.parse(document, format);
    }

    @Override
    public ConfigObject parseObject(byte[] document, ConfigFormat format) throws ConfigException {
        return codec.parseObject(document, format);
    }

    @Override
    public CompletableFuture<List<WriteResult>> submit(WriteRequest request) {
        WriteJob job = WriteJob.write(requestId(request.requestId()), request.mode(), request.objects(), false,
                request.timeout());
        return route(job, request.group()).thenApply(outcome -> results(job.objects(), outcome));
    }

    @Override
    public CompletableFuture<List<WriteResult>> dryRun(WriteRequest request) {
        CompletableFuture<List<WriteResult>> out = new CompletableFuture<>();
        ThreadPoolExecutor ex = executor;
        if (ex == null) {
            out.completeExceptionally(starting());
            return out;
        }
        try {
            ex.execute(() -> {
                Parts p = parts;
                try {
                    if (p == null) {
                        throw starting();
                    }
                    if (request.mode() == null) {
                        throw ConfigException.invalid("$", "a write mode is required");
                    }
                    Planner.Plan plan = p.planner().check(request.mode(), request.objects());
                    out.complete(dryResults(request.objects(), plan, p));
                } catch (ConfigException e) {
                    out.completeExceptionally(e);
                } catch (RuntimeException e) {
                    LOG.error("A dry run failed", e);
                    out.completeExceptionally(e);
                }
            });
        } catch (RejectedExecutionException e) {
            out.completeExceptionally(starting());
        }
        return out;
    }

    private static ConfigException starting() {
        return new ConfigException(503, ConfigException.UNAVAILABLE, "the configuration is not running (the core is"
                + " starting or stopping)", List.of());
    }

    /** What a planned write would do to each object; those it would write have revision 0. */
    private static List<WriteResult> dryResults(List<ConfigObject> objects, Planner.Plan plan, Parts p) {
        Set<ObjectKey> written = new HashSet<>();
        plan.changes().forEach(c -> written.add(new ObjectKey(c.kind(), c.name())));
        List<WriteResult> out = new ArrayList<>(objects.size());
        for (ConfigObject o : objects) {
            ObjectKey key = new ObjectKey(o.kind(), o.name());
            ConfigObject stored = p.applier().objects().get(key);
            if (!written.contains(key)) {
                out.add(new WriteResult(TlsCertificates.redact(stored != null ? stored : o),
                        WriteResult.Change.UNCHANGED));
            } else {
                out.add(new WriteResult(TlsCertificates.redact(new ConfigObject(o.kind(), o.name(), o.spec().deepCopy(),
                        0)), stored == null ? WriteResult.Change.CREATED : WriteResult.Change.UPDATED));
            }
        }
        return out;
    }

    @Override
    public CompletableFuture<Long> submit(DeleteRequest request) {
        WriteJob job = WriteJob.delete(requestId(request.requestId()), request.kind(), request.name(),
                request.timeout());
        return route(job, request.group()).thenApply(Outcome::index);
    }

    /**
     * The client's answer: per object, as stored here when this node holds that revision, else the object
     * as written with the revision the leader gave it.
     */
    private List<WriteResult> results(List<ConfigObject> objects, Outcome outcome) {
        Parts p = parts;
        List<WriteResult> out = new ArrayList<>(objects.size());
        for (int i = 0; i < objects.size(); i++) {
            ConfigObject o = objects.get(i);
            Outcome.ObjectOutcome r = i < outcome.objects().size() ? outcome.objects().get(i)
                    : new Outcome.ObjectOutcome(o.kind(), o.name(), Outcome.Effect.UNCHANGED, 0);
            ConfigObject stored = p == null ? null : p.applier().objects().get(new ObjectKey(o.kind(), o.name()));
            ConfigObject object = stored != null && stored.revision() == r.revision() ? stored
                    : new ConfigObject(o.kind(), o.name(), o.spec().deepCopy(), r.revision());
            WriteResult.Change change = switch (r.effect()) {
                case CREATED -> WriteResult.Change.CREATED;
                case UPDATED -> WriteResult.Change.UPDATED;
                default -> WriteResult.Change.UNCHANGED;
            };
            out.add(new WriteResult(TlsCertificates.redact(object), change));
        }
        return out;
    }

    @Override
    public List<WriteResult> write(WriteMode mode, List<ConfigObject> objects) throws ConfigException {
        if (mode == null) {
            throw new IllegalArgumentException("mode is required");
        }
        return await(submit(new WriteRequest(null, null, mode, objects, writeTimeout)));
    }

    @Override
    public void delete(String kind, String name) throws ConfigException {
        if (kind == null || name == null) {
            throw ConfigException.notFound(kind, name);
        }
        await(submit(new DeleteRequest(null, null, kind, name, writeTimeout)));
    }

    @Override
    public Optional<ConfigObject> get(String kind, String name) {
        Parts p = parts;
        return p == null || kind == null || name == null ? Optional.empty()
                : Optional.ofNullable(p.applier().objects().get(new ObjectKey(kind, name))).map(TlsCertificates::redact);
    }

    @Override
    public Optional<ObjectStatus> status(String kind, String name) {
        Parts p = parts;
        if (p == null || kind == null || name == null) {
            return Optional.empty();
        }
        // state first: a pipeline's generation is published before the state that holds it
        if (!p.applier().objects().containsKey(new ObjectKey(kind, name))) {
            return Optional.empty();
        }
        return p.running().status(kind, name);
    }

    @Override
    public List<ConfigObject> list(String kind) {
        Parts p = parts;
        if (p == null) {
            return List.of();
        }
        return p.applier().objects().values().stream().filter(o -> kind == null || o.kind().equals(kind))
                .map(TlsCertificates::redact).toList();
    }

    @Override
    public List<String> objectKinds() {
        return ObjectKinds.ALL;
    }

    @Override
    public List<KindUse> pluginKindUses() {
        Parts p = parts;
        if (p == null) {
            return List.of();
        }
        List<KindUse> out = new ArrayList<>();
        Map<String, Generation> all = new java.util.TreeMap<>(p.running().pipelines().all());
        all.forEach((pipeline, g) -> {
            if (!g.available()) {
                return;
            }
            for (int i = 0; i < g.size(); i++) {
                CanaryPlugin c = g.canary(i);
                PluginStats stats = g.stats(i);
                if (c == null) {
                    out.add(new KindUse(g.kindName(i), g.version(i), pipeline, g.name(i), "primary", stats.calls(),
                            stats.results(), stats.failures(), stats.blocked()));
                } else {
                    out.add(use(g, i, pipeline, "primary", c.primaryCounts()));
                    out.add(use(g, i, pipeline, "canary", c.canaryCounts()));
                }
            }
        });
        return out;
    }

    private static KindUse use(Generation g, int i, String pipeline, String role, CanaryPlugin.Counts counts) {
        Map<String, Long> results = counts.results();
        return new KindUse(g.kindName(i), counts.version(), pipeline, g.name(i), role, counts.requests(), results,
                results.getOrDefault("failed", 0L), g.stats(i).blocked());
    }

    @Override
    public List<PluginKindInfo> pluginKinds() {
        return kinds.infos();
    }

    @Override
    public long appliedIndex() {
        Parts p = parts;
        return p == null ? 0 : p.applier().appliedIndex();
    }

    @Override
    public long commitIndex() {
        try {
            return log.commitIndex();
        } catch (IOException | RuntimeException e) {
            LOG.debug("The commit index cannot be read", e);
            return -1;
        }
    }

    /** The default deadline of a write ({@code writeTimeout}). */
    public Duration writeTimeout() {
        return writeTimeout;
    }

    /** HTTPServers that are configured but not serving (for example their port was taken at start). */
    public Map<String, String> serverProblems() {
        Parts p = parts;
        return p == null ? Map.of() : p.running().serverProblems();
    }

    /** For tests: the pipelines' current generations. */
    PipelineRegistry pipelines() {
        Parts p = parts;
        return p == null ? new PipelineRegistry() : p.running().pipelines();
    }

    /** For tests: the request outcomes remembered. */
    int rememberedRequests() {
        Parts p = parts;
        return p == null ? 0 : p.applier().outcomes();
    }

    /** For tests: delayed tasks (bind retries and write deadlines) waiting in the timer; 0 once it is stopped. */
    int pendingTimers() {
        ScheduledThreadPoolExecutor t = timer;
        if (t == null) {
            return 0;
        }
        Object commits = catchUpWatch;
        Object defaults = defaultsWatch;
        Object fold = trafficFold;
        return (int) t.getQueue().stream().filter(r -> r != commits && r != defaults && r != fold).count();
    }

    /** Runs a task on the configuration thread and waits for it (inline when already on that thread). */
    private <T> T call(Callable<T> task) throws Exception {
        if (Thread.currentThread() == configThread) {
            return task.call();
        }
        ThreadPoolExecutor ex = executor;
        if (ex == null) {
            throw notRunning();
        }
        Future<T> f = ex.submit(task);
        try {
            return f.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Exception ce) {
                throw ce;
            }
            throw e;
        }
    }
}
