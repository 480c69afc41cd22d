package io.gatehouse.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import io.gatehouse.api.config.ConfigException;
import io.gatehouse.api.config.Violation;
import io.gatehouse.api.config.Violations;
import io.gatehouse.api.plugin.Plugin;
import io.gatehouse.api.plugin.PluginContext;
import io.gatehouse.api.plugin.PluginKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Runs a {@link PluginKind} as the gateway does, without the gateway: binds a spec written in JSON or YAML
 * to the kind's {@link PluginKind#specType() spec type} (unknown fields, duplicate keys and wrong types are
 * refused), runs {@link PluginKind#validate}, and creates instances with a {@link PluginContext} whose
 * generation increases with every instance, as it does when a pipeline changes.
 *
 * <p>Problems are reported as the gateway reports them: {@link Violation}s at the JSON path of the
 * offending field, relative to the spec ({@code $.pools[0].servers[1].url}), or a {@link ConfigException}
 * (400) carrying them.
 *
 * <pre>{@code
 * PluginHarness<MySpec> harness = PluginHarness.of(new MyKind());
 * assertEquals(List.of(new Violation("$.limit", "must be positive")), harness.violations("limit: -1"));
 * Plugin plugin = harness.create("{\"limit\": 10}");
 * FakeExchange exchange = FakeExchange.get("/orders");
 * RecordingCompletion done = new RecordingCompletion();
 * plugin.handle(exchange, done);
 * assertEquals(Results.SUCCESS, done.result());
 * }</pre>
 *
 * @param <S> the kind's spec type
 */
public final class PluginHarness<S> {
    private final PluginKind<S> kind;
    private final SpecReader reader = new SpecReader();
    private String pipeline = "test";
    private String plugin;
    private long generation;
    private String version = "1.0.0";
    private final ConcurrentMap<String, Object> state = new ConcurrentHashMap<>();
    private final Map<Plugin, Context> contexts = new IdentityHashMap<>();
    private final List<Context> contextsEver = new CopyOnWriteArrayList<>();

    private PluginHarness(PluginKind<S> kind) {
        this.kind = Objects.requireNonNull(kind, "kind");
        this.plugin = kind.name();
    }

    /** A harness for {@code kind}; instances are named after the kind, in pipeline {@code test}. */
    public static <S> PluginHarness<S> of(PluginKind<S> kind) {
        return new PluginHarness<>(kind);
    }

    /** Sets the pipeline and plugin names the next instances are created with. */
    public PluginHarness<S> named(String pipeline, String plugin) {
        this.pipeline = Objects.requireNonNull(pipeline, "pipeline");
        this.plugin = Objects.requireNonNull(plugin, "plugin");
        return this;
    }

    /** The kind under test. */
    public PluginKind<S> kind() {
        return kind;
    }

    /** The generation of the last instance created; 0 before the first. */
    public long generation() {
        return generation;
    }

    /**
     * Binds {@code spec} to the spec type, without the kind's validation.
     *
     * @throws ConfigException (400) with the violation when the text is malformed or does not bind
     */
    public S bind(String spec) throws ConfigException {
        List<Violation> sink = new ArrayList<>();
        S bound = bind(spec, sink);
        if (bound == null) {
            throw ConfigException.invalid(sink);
        }
        return bound;
    }

    /** Binds and validates {@code spec}: every violation the gateway would report, empty when it is valid. */
    public List<Violation> violations(String spec) {
        List<Violation> sink = new ArrayList<>();
        S bound = bind(spec, sink);
        if (bound != null) {
            validate(bound, sink);
        }
        return List.copyOf(sink);
    }

    /**
     * Binds and validates {@code spec}.
     *
     * @throws ConfigException (400) with every violation when it does not bind or is not valid
     */
    public S validSpec(String spec) throws ConfigException {
        List<Violation> sink = new ArrayList<>();
        S bound = bind(spec, sink);
        if (bound != null) {
            validate(bound, sink);
        }
        if (!sink.isEmpty()) {
            throw ConfigException.invalid(sink);
        }
        return bound;
    }

    /** Binds, validates and creates a first instance (no previous instance). */
    public Plugin create(String spec) throws Exception {
        return create(spec, null);
    }

    /**
     * Binds, validates and creates an instance that may take over the state of {@code previous}, as when
     * the pipeline changes.
     *
     * @throws ConfigException when the spec does not bind or is not valid (nothing is created)
     * @throws Exception       what the kind's {@link PluginKind#create} throws
     */
    public Plugin create(String spec, Plugin previous) throws Exception {
        return createFrom(validSpec(spec), previous);
    }

    /**
     * Creates an instance from an already bound spec, without validating it: for testing the checks a kind
     * makes in {@link PluginKind#create} itself.
     *
     * @throws IllegalStateException when the kind returns null (the contract says never)
     */
    public Plugin createFrom(S spec, Plugin previous) throws Exception {
        generation++;
        Context context = new Context(pipeline, plugin, generation, version, previous, state);
        Plugin created = kind.create(spec, context);
        if (created == null) {
            context.close();
            throw new IllegalStateException("plugin kind '" + kind.name() + "' created a null instance");
        }
        contexts.put(created, context);
        return created;
    }

    /**
     * Retires an instance as the gateway does when its generation is replaced: cancels the timers it set
     * through its context, then calls {@link Plugin#close()}.
     */
    public void close(Plugin instance) {
        Context c = contexts.remove(instance);
        if (c != null) {
            c.close();
        }
        instance.close();
    }

    /** The state map the gateway would keep for this plugin name across generations and versions. */
    public ConcurrentMap<String, Object> state() {
        return state;
    }

    /** Every timer instances set through their contexts, in order. */
    public List<PluginTimer> timers() {
        List<PluginTimer> all = new ArrayList<>();
        contextsEver.forEach(c -> all.addAll(c.timers));
        return all;
    }

    /** The kind version instances see in {@code PluginContext.kindVersion()} (default {@code 1.0.0}). */
    public PluginHarness<S> version(String version) {
        this.version = Objects.requireNonNull(version, "version");
        return this;
    }

    private S bind(String spec, List<Violation> sink) {
        JsonNode node = reader.parse(Objects.requireNonNull(spec, "spec"), sink);
        if (node == null) {
            return null;
        }
        int before = sink.size();
        S bound = node.isNull() ? null : reader.bind(node, kind.specType(), sink);
        if (bound == null && sink.size() == before) {
            sink.add(new Violation("$", "is required by plugin kind '" + kind.name() + "'"));
        }
        return bound;
    }

    /** Runs the kind's validation; like the gateway, an exception from it is a violation of the spec. */
    private void validate(S spec, List<Violation> sink) {
        try {
            kind.validate(spec, Violations.at("$", sink));
        } catch (RuntimeException e) {
            sink.add(new Violation("$", "plugin kind '" + kind.name() + "' failed to validate the spec: " + e));
        }
    }

    /** The context of one instance. */
    private final class Context implements PluginContext {
        private final String pipeline;
        private final String plugin;
        private final long generation;
        private final String version;
        private final Plugin previous;
        private final ConcurrentMap<String, Object> state;
        final List<PluginTimer> timers = new CopyOnWriteArrayList<>();
        private volatile boolean closed;

        Context(String pipeline, String plugin, long generation, String version, Plugin previous,
                ConcurrentMap<String, Object> state) {
            this.pipeline = pipeline;
            this.plugin = plugin;
            this.generation = generation;
            this.version = version;
            this.previous = previous;
            this.state = state;
            contextsEver.add(this);
        }

        @Override
        public String pipeline() {
            return pipeline;
        }

        @Override
        public String plugin() {
            return plugin;
        }

        @Override
        public long generation() {
            return generation;
        }

        @Override
        public String kindVersion() {
            return version;
        }

        @Override
        public Plugin previous() {
            return previous;
        }

        @Override
        public ConcurrentMap<String, Object> state() {
            return state;
        }

        @Override
        public AutoCloseable schedule(Runnable task, Duration delay) {
            return add(new PluginTimer(Objects.requireNonNull(task, "task"), Objects.requireNonNull(delay), null));
        }

        @Override
        public AutoCloseable scheduleAtFixedRate(Runnable task, Duration initialDelay, Duration period) {
            if (period == null || period.isZero() || period.isNegative()) {
                throw new IllegalArgumentException("period must be positive: " + period);
            }
            return add(new PluginTimer(Objects.requireNonNull(task, "task"), Objects.requireNonNull(initialDelay),
                    period));
        }

        private PluginTimer add(PluginTimer t) {
            if (closed) {
                throw new IllegalStateException("the instance is closed");
            }
            timers.add(t);
            return t;
        }

        void close() {
            closed = true;
            timers.forEach(PluginTimer::close);
        }
    }
}
