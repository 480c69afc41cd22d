package io.gatehouse.core.internal.engine;

import io.gatehouse.api.plugin.Plugin;
import io.gatehouse.api.plugin.PluginKind;
import java.util.Map;
import org.slf4j.Logger;

/**
 * One immutable generation of a pipeline: the plugin instances, the kinds that made them, and the jump
 * table resolved to indices. An unavailable generation has no instances, only the reason. Exchanges keep
 * the generation they started with, so a swap never disturbs them.
 */
public final class Generation {
    private final String pipeline;
    private final long number;
    private final Plugin[] plugins;
    private final String[] names;
    private final PluginKind<?>[] kinds;
    private final Map<String, Integer>[] jumps;
    private final Context[] contexts;
    private final String unavailable;

    Generation(String pipeline, long number, Plugin[] plugins, String[] names, PluginKind<?>[] kinds,
               Map<String, Integer>[] jumps, Context[] contexts, String unavailable) {
        this.pipeline = pipeline;
        this.number = number;
        this.plugins = plugins;
        this.names = names;
        this.kinds = kinds;
        this.jumps = jumps;
        this.contexts = contexts;
        this.unavailable = unavailable;
    }

    /** A generation that answers 503 with {@code reason} (for example: plugin kind 'proxy' is not installed). */
    @SuppressWarnings("unchecked")
    public static Generation unavailable(String pipeline, long number, String reason) {
        return new Generation(pipeline, number, new Plugin[0], new String[0], new PluginKind<?>[0], new Map[0],
                new Context[0], reason);
    }

    public String pipeline() {
        return pipeline;
    }

    public long number() {
        return number;
    }

    public boolean available() {
        return unavailable == null;
    }

    /** Why the generation is unavailable, or null. */
    public String unavailableReason() {
        return unavailable;
    }

    public int size() {
        return plugins.length;
    }

    Plugin plugin(int i) {
        return plugins[i];
    }

    public String name(int i) {
        return names[i];
    }

    PluginKind<?> kind(int i) {
        return kinds[i];
    }

    Context context(int i) {
        return contexts[i];
    }

    /** The instance of the plugin named {@code name} if it was made by {@code kind}, else null. */
    Plugin instanceOf(String name, PluginKind<?> kind) {
        for (int i = 0; i < names.length; i++) {
            if (names[i].equals(name) && kinds[i] == kind) {
                return plugins[i];
            }
        }
        return null;
    }

    /** True when every plugin was made by the kind object now registered under its name. */
    public boolean madeBy(Map<String, PluginKind<?>> current) {
        for (PluginKind<?> k : kinds) {
            if (current.get(k.name()) != k) {
                return false;
            }
        }
        return true;
    }

    /** Index to run after plugin {@code i} completed with {@code result}; {@link #size()} ends the pipeline. */
    int next(int i, String result) {
        if (result == null || result.isEmpty()) {
            return i + 1;
        }
        Integer target = jumps[i].get(result);
        return target == null ? plugins.length : target;
    }

    /**
     * Closes every instance that the {@code successor} generation does not also hold (a kind may return
     * the previous instance itself from {@code create}), and cancels its timers.
     */
    public void retire(Generation successor, Logger log) {
        for (int i = 0; i < plugins.length; i++) {
            Plugin p = plugins[i];
            if (successor != null && successor.holds(p)) {
                continue;
            }
            contexts[i].close();
            try {
                p.close();
            } catch (RuntimeException e) {
                log.warn("Closing plugin '{}' of pipeline '{}' (generation {}) failed", names[i], pipeline, number, e);
            }
        }
    }

    private boolean holds(Plugin p) {
        for (Plugin q : plugins) {
            if (q == p) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return "Generation[" + pipeline + "#" + number + (available() ? "" : " unavailable: " + unavailable) + "]";
    }
}
