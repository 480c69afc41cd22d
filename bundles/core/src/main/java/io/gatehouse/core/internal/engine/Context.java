package io.gatehouse.core.internal.engine;

import io.gatehouse.api.plugin.Plugin;
import io.gatehouse.api.plugin.PluginContext;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link PluginContext} handed to {@code PluginKind.create}: the instance's names, its previous instance,
 * its state (held by the {@link PluginRuntime}), and its timers, cancelled when the instance is retired.
 */
final class Context implements PluginContext {
    private static final Logger LOG = LoggerFactory.getLogger(Context.class);
    /** A bound on the timers one instance may hold at once (a plugin scheduling in a loop fails, not the node). */
    static final int MAX_TIMERS = 1024;

    private final String pipeline;
    private final String plugin;
    private final long generation;
    private final String kindVersion;
    private final Plugin previous;
    private final PluginRuntime runtime;
    private final Set<ScheduledFuture<?>> timers = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    Context(String pipeline, String plugin, long generation, String kindVersion, Plugin previous,
            PluginRuntime runtime) {
        this.pipeline = pipeline;
        this.plugin = plugin;
        this.generation = generation;
        this.kindVersion = kindVersion;
        this.previous = previous;
        this.runtime = runtime;
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
        return kindVersion;
    }

    @Override
    public Plugin previous() {
        return previous;
    }

    @Override
    public ConcurrentMap<String, Object> state() {
        return runtime.state(pipeline, plugin);
    }

    @Override
    public AutoCloseable schedule(Runnable task, Duration delay) {
        Objects.requireNonNull(task, "task");
        return track(runtime.timers().schedule(guard(task), nonNegative(delay, "delay").toNanos(),
                java.util.concurrent.TimeUnit.NANOSECONDS));
    }

    @Override
    public AutoCloseable scheduleAtFixedRate(Runnable task, Duration initialDelay, Duration period) {
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(period, "period");
        if (period.isZero() || period.isNegative()) {
            throw new IllegalArgumentException("period must be positive: " + period);
        }
        return track(runtime.timers().scheduleAtFixedRate(guard(task), nonNegative(initialDelay, "initialDelay")
                .toNanos(), period.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS));
    }

    private static Duration nonNegative(Duration d, String what) {
        Objects.requireNonNull(d, what);
        if (d.isNegative()) {
            throw new IllegalArgumentException(what + " must not be negative: " + d);
        }
        return d;
    }

    private Runnable guard(Runnable task) {
        if (closed) {
            throw new IllegalStateException("plugin '" + plugin + "' of pipeline '" + pipeline + "' is closed");
        }
        if (timers.size() >= MAX_TIMERS) {
            throw new RejectedExecutionException("plugin '" + plugin + "' of pipeline '" + pipeline + "' holds "
                    + MAX_TIMERS + " timers");
        }
        return () -> {
            if (closed) {
                return;
            }
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.warn("A timer of plugin '{}' of pipeline '{}' (generation {}) failed", plugin, pipeline,
                        generation, e);
            }
        };
    }

    private AutoCloseable track(ScheduledFuture<?> f) {
        timers.add(f);
        timers.removeIf(ScheduledFuture::isDone);
        if (closed) {
            f.cancel(false);
        }
        return () -> {
            f.cancel(false);
            timers.remove(f);
        };
    }

    /** The instance was retired: cancel its timers; later schedules are refused. */
    void close() {
        closed = true;
        for (ScheduledFuture<?> f : timers) {
            f.cancel(false);
        }
        timers.clear();
    }

    /** Timers this instance holds now (tests). */
    int timerCount() {
        timers.removeIf(ScheduledFuture::isDone);
        return timers.size();
    }

    @Override
    public String toString() {
        return "Context[" + pipeline + "/" + plugin + "#" + generation + "]";
    }
}
