package io.gatehouse.core.internal.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.gatehouse.api.config.ConfigException;
import io.gatehouse.api.config.ConfigFormat;
import io.gatehouse.api.config.ConfigObject;
import io.gatehouse.api.config.ConfigService;
import io.gatehouse.api.config.ObjectStatus;
import io.gatehouse.api.config.PluginKindInfo;
import io.gatehouse.api.config.Units;
import io.gatehouse.api.config.WriteMode;
import io.gatehouse.api.config.WriteResult;
import io.gatehouse.api.log.OperationLog;
import io.gatehouse.api.plugin.PluginKind;
import io.gatehouse.core.internal.kinds.KindEntry;
import io.gatehouse.core.internal.kinds.PluginKindRegistry;
import io.gatehouse.dataplane.DataPlane;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.DoubleSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
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
 * The {@link ConfigService}: a DS component that owns the single configuration thread. Writes and
 * plugin-kind changes are tasks on that thread (so they are serialized without a lock the data path
 * could ever see); reads use the volatile snapshots the {@link Configurator} publishes.
 */
@Component(service = ConfigService.class, immediate = true, configurationPid = "io.gatehouse.core")
@Designate(ocd = CoreConfigService.Config.class)
public class CoreConfigService implements ConfigService {
    private static final Logger LOG = LoggerFactory.getLogger(CoreConfigService.class);
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([^}]+)}");
    private static final int QUEUE = 1024;

    /** Configuration of the core. */
    @ObjectClassDefinition(name = "Gatehouse core", description = "Configuration objects, pipelines and routing")
    public @interface Config {
        @AttributeDefinition(description = "YAML applied through the ordinary write path when the operation log "
                + "is empty at first start; a missing file means no defaults")
        String defaults() default "${karaf.etc}/gatehouse-default.yaml";

        @AttributeDefinition(description = "Store a snapshot and compact the log every this many entries (0 = never)")
        int snapshotEvery() default 100;

        @AttributeDefinition(description = "Epoch stamped on log entries (1 on a single node)")
        long epoch() default 1;

        @AttributeDefinition(description = "An HTTPServer whose port is taken when the log is replayed tries "
                + "again after this long, doubling per failure (10ms..1h)")
        String bindRetryInitial() default "1s";

        @AttributeDefinition(description = "Longest delay between two bind attempts (bindRetryInitial..1h)")
        String bindRetryMax() default "30s";
    }

    private final PluginKindRegistry kinds = new PluginKindRegistry();
    private final Set<String> pendingKinds = new LinkedHashSet<>();
    private final ConfigCodec codec;
    private final SpecBinder binder;

    @Reference(policyOption = ReferencePolicyOption.GREEDY)
    private OperationLog log;
    @Reference(policyOption = ReferencePolicyOption.GREEDY)
    private DataPlane dataPlane;

    private volatile ThreadPoolExecutor executor;
    // delays bind retries; each fires by queueing the retry on the configuration thread. Its queue holds at
    // most one pending retry per unbound HTTPServer (cancelled ones are removed), so it is bounded by them.
    private volatile ScheduledThreadPoolExecutor timer;
    private volatile Thread configThread;
    private volatile Configurator configurator;
    /** The spread of bind-retry delays (tests pin it). */
    DoubleSupplier bindRetryJitter = BindRetry::randomJitter;

    public CoreConfigService() {
        Json json = new Json();
        this.codec = new ConfigCodec(json);
        this.binder = new SpecBinder(json.json());
    }

    /** For tests: the references DS would inject. */
    CoreConfigService(OperationLog log, DataPlane dataPlane) {
        this();
        this.log = log;
        this.dataPlane = dataPlane;
    }

    @Activate
    void activate(Config config) throws Exception {
        if (config.snapshotEvery() < 0) {
            throw new IllegalArgumentException("snapshotEvery must be 0 or more: " + config.snapshotEvery());
        }
        if (config.epoch() < 1) {
            throw new IllegalArgumentException("epoch must be at least 1: " + config.epoch());
        }
        Duration retryInitial = duration("bindRetryInitial", config.bindRetryInitial(), Duration.ofMillis(10));
        Duration retryMax = duration("bindRetryMax", config.bindRetryMax(), retryInitial);
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
        Configurator c = new Configurator(log, dataPlane, kinds, codec, binder, config.epoch(), config.snapshotEvery(),
                retry);
        try {
            // One task on the configuration thread, so that a kind change queued meanwhile runs after it
            // and already sees the configurator.
            call(() -> {
                boolean fresh = c.recover();
                if (fresh) {
                    applyDefaults(c, config.defaults());
                }
                configurator = c;
                return null;
            });
        } catch (Exception e) {
            LOG.error("The Gatehouse core cannot start", e);
            shutdown(c);
            throw e;
        }
        LOG.info("Gatehouse core started at log index {} with {} objects", c.appliedIndex(), c.state().size());
    }

    @Deactivate
    void deactivate() {
        Configurator c = configurator;
        configurator = null;
        shutdown(c);
    }

    private void shutdown(Configurator c) {
        ThreadPoolExecutor ex = executor;
        if (ex == null) {
            return;
        }
        if (c != null) {
            try {
                Future<?> f = ex.submit(c::close);
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
    }

    private static Duration duration(String name, String value, Duration min) {
        Duration d;
        try {
            d = Units.duration(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + " is not a duration such as 1s: " + value, e);
        }
        if (d.compareTo(min) < 0 || d.compareTo(Duration.ofHours(1)) > 0) {
            throw new IllegalArgumentException(name + " must be " + min.toMillis() + "ms..1h: " + value);
        }
        return d;
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

    private void applyDefaults(Configurator c, String configured) {
        if (configured == null || configured.isBlank() || configured.trim().equalsIgnoreCase("none")) {
            LOG.info("The operation log is empty and no default configuration is configured");
            return;
        }
        Path file = resolve(configured.trim());
        if (!Files.isRegularFile(file)) {
            LOG.info("The operation log is empty and there is no default configuration at {}", file);
            return;
        }
        try {
            byte[] doc = Files.readAllBytes(file);
            ConfigFormat format = file.toString().endsWith(".json") ? ConfigFormat.JSON : ConfigFormat.YAML;
            List<ConfigObject> objects = codec.parse(doc, format);
            c.write(objects, WriteMode.APPLY, true);
            LOG.info("Applied {} default objects from {}", objects.size(), file);
        } catch (ConfigException e) {
            LOG.error("The default configuration {} was refused: {} {}", file, e.getMessage(), e.violations());
        } catch (IOException e) {
            LOG.error("The default configuration {} cannot be read", file, e);
        }
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
        Configurator c = configurator;
        if (c == null) {
            return;
        }
        for (String name : names) {
            try {
                c.kindChanged(name);
            } catch (RuntimeException e) {
                LOG.error("Rebuilding the pipelines that use plugin kind '{}' failed", name, e);
            }
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
    public List<WriteResult> write(WriteMode mode, List<ConfigObject> objects) throws ConfigException {
        if (mode == null) {
            throw new IllegalArgumentException("mode is required");
        }
        List<ConfigObject> copy = objects == null ? List.of() : new ArrayList<>(objects);
        return call(() -> running().write(copy, mode));
    }

    @Override
    public void delete(String kind, String name) throws ConfigException {
        call(() -> {
            running().delete(kind, name);
            return null;
        });
    }

    @Override
    public Optional<ConfigObject> get(String kind, String name) {
        Configurator c = configurator;
        return c == null ? Optional.empty() : Optional.ofNullable(c.state().get(new ObjectKey(kind, name)));
    }

    @Override
    public Optional<ObjectStatus> status(String kind, String name) {
        Configurator c = configurator;
        return c == null ? Optional.empty() : c.status(kind, name);
    }

    @Override
    public List<ConfigObject> list(String kind) {
        Configurator c = configurator;
        if (c == null) {
            return List.of();
        }
        return c.state().values().stream().filter(o -> kind == null || o.kind().equals(kind)).toList();
    }

    @Override
    public List<String> objectKinds() {
        return ObjectKinds.ALL;
    }

    @Override
    public List<PluginKindInfo> pluginKinds() {
        return kinds.infos();
    }

    @Override
    public long appliedIndex() {
        Configurator c = configurator;
        return c == null ? 0 : c.appliedIndex();
    }

    /** HTTPServers that are configured but not serving (for example their port was taken at start). */
    public Map<String, String> serverProblems() {
        Configurator c = configurator;
        return c == null ? Map.of() : c.serverProblems();
    }

    Configurator configurator() {
        return configurator;
    }

    /** For tests: delayed tasks (bind retries) waiting in the timer; 0 once it is stopped. */
    int pendingTimers() {
        ScheduledThreadPoolExecutor t = timer;
        return t == null ? 0 : t.getQueue().size();
    }

    private Configurator running() throws ConfigException {
        Configurator c = configurator;
        if (c == null) {
            throw new ConfigException(503, ConfigException.UNAVAILABLE, "the configuration service is not running",
                    List.of());
        }
        return c;
    }

    /** Runs a task on the configuration thread and waits for it (inline when already on that thread). */
    private <T> T call(Callable<T> task) throws ConfigException {
        if (Thread.currentThread() == configThread) {
            return run(task);
        }
        ThreadPoolExecutor ex = executor;
        if (ex == null) {
            throw new ConfigException(503, ConfigException.UNAVAILABLE, "the configuration service is not running",
                    List.of());
        }
        Future<T> f;
        try {
            f = ex.submit(() -> run(task));
        } catch (RejectedExecutionException e) {
            throw new ConfigException(503, ConfigException.UNAVAILABLE,
                    "the configuration service is stopping or overloaded", e);
        }
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConfigException(503, ConfigException.UNAVAILABLE,
                    "interrupted while waiting for the configuration thread; the change may still be applied", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof ConfigException ce) {
                throw ce;
            }
            LOG.error("A configuration task failed", cause);
            throw new ConfigException(500, ConfigException.UNAVAILABLE, "internal error: " + cause, cause);
        }
    }

    private static <T> T run(Callable<T> task) throws ConfigException {
        try {
            return task.call();
        } catch (ConfigException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new ConfigException(503, ConfigException.UNAVAILABLE, "the operation log failed: " + e.getMessage(), e);
        }
    }
}
