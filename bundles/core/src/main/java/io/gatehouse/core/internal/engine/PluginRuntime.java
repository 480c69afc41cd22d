package io.gatehouse.core.internal.engine;

import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;

/**
 * What the core keeps for plugin instances beyond one generation: the state map of every (pipeline, plugin
 * name), handed to each new generation and each version of the kind, and the timer thread of plugin tasks.
 * One per running configuration; {@link #close()} stops the timers.
 */
public final class PluginRuntime implements AutoCloseable {
    private final Map<String, Map<String, ConcurrentMap<String, Object>>> states = new ConcurrentHashMap<>();
    /** Made at the first timer: most configurations have none. */
    private ScheduledThreadPoolExecutor timers;
    private boolean closed;

    synchronized ScheduledExecutorService timers() {
        if (closed) {
            throw new java.util.concurrent.RejectedExecutionException("the plugin runtime is closed");
        }
        if (timers == null) {
            timers = new ScheduledThreadPoolExecutor(1, r -> {
                Thread t = new Thread(r, "gatehouse-plugin-timers");
                t.setDaemon(true);
                return t;
            });
            timers.setRemoveOnCancelPolicy(true);
            timers.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
            timers.setContinueExistingPeriodicTasksAfterShutdownPolicy(false);
        }
        return timers;
    }

    ConcurrentMap<String, Object> state(String pipeline, String plugin) {
        return states.computeIfAbsent(pipeline, p -> new ConcurrentHashMap<>())
                .computeIfAbsent(plugin, p -> new ConcurrentHashMap<>());
    }

    /** The pipeline now has only these plugin names: the state of the others is dropped. */
    public void keep(String pipeline, Collection<String> plugins) {
        Map<String, ConcurrentMap<String, Object>> m = states.get(pipeline);
        if (m != null) {
            m.keySet().retainAll(plugins);
        }
    }

    /** The pipeline was deleted: its plugins' state is dropped. */
    public void drop(String pipeline) {
        states.remove(pipeline);
    }

    /** Pending plugin timers (tests). */
    synchronized int pendingTimers() {
        return timers == null ? 0 : timers.getQueue().size();
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (timers != null) {
            timers.shutdownNow();
        }
    }
}
