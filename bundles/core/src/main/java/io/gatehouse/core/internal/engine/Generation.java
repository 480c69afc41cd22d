package io.gatehouse.core.internal.engine;

import io.gatehouse.api.plugin.Plugin;
import io.gatehouse.api.plugin.PluginKind;
import io.gatehouse.core.internal.kinds.KindEntry;
import io.gatehouse.core.internal.kinds.KindSet;
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
    private final PluginStats[] stats;
    private final String unavailable;
    /** What it was built from (null for tests' raw generations): to tell whether the kinds still resolve to it. */
    private final PipelineDefinition definition;
    private final GenerationFactory.Bound bound;

    Generation(String pipeline, long number, Plugin[] plugins, String[] names, PluginKind<?>[] kinds,
               Map<String, Integer>[] jumps, Context[] contexts, String unavailable) {
        this(pipeline, number, plugins, names, kinds, jumps, contexts, unavailable, null, null);
    }

    Generation(String pipeline, long number, Plugin[] plugins, String[] names, PluginKind<?>[] kinds,
               Map<String, Integer>[] jumps, Context[] contexts, String unavailable, PipelineDefinition definition,
               GenerationFactory.Bound bound) {
        this.pipeline = pipeline;
        this.number = number;
        this.plugins = plugins;
        this.names = names;
        this.kinds = kinds;
        this.jumps = jumps;
        this.contexts = contexts;
        this.stats = new PluginStats[plugins.length];
        for (int i = 0; i < plugins.length; i++) {
            stats[i] = new PluginStats(kinds[i] == null ? null : kinds[i].results());
        }
        this.unavailable = unavailable;
        this.definition = definition;
        this.bound = bound;
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

    /** True when the plugin named {@code name} runs two versions (a canary). */
    boolean hasCanary(String name) {
        for (int i = 0; i < names.length; i++) {
            if (names[i].equals(name)) {
                return plugins[i] instanceof CanaryPlugin;
            }
        }
        return false;
    }

    /** The canary of plugin {@code i}, or null. */
    public CanaryPlugin canary(int i) {
        return plugins[i] instanceof CanaryPlugin c ? c : null;
    }

    /** What plugin {@code i} did in this generation. */
    public PluginStats stats(int i) {
        return stats[i];
    }

    /** The kind name of plugin {@code i}. */
    public String kindName(int i) {
        return kinds[i].name();
    }

    /** The kind version each plugin runs (its primary version). */
    public String version(int i) {
        return contexts[i].kindVersion();
    }

    /** The versions the plugins run, for messages: {@code m: mock 1.0.0, p: proxy 2.1.0}. */
    public String describeVersions() {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < names.length; i++) {
            if (i > 0) {
                b.append(", ");
            }
            b.append(names[i]).append(": ").append(kinds[i].name()).append(' ').append(version(i));
        }
        return b.toString();
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

    /**
     * True when every plugin (and canary) was made by the kind object that its version spec resolves to among
     * {@code current}: nothing to rebuild.
     */
    public boolean madeBy(KindSet current) {
        if (definition == null) {
            return false;
        }
        for (int i = 0; i < kinds.length; i++) {
            PluginDefinition p = definition.plugins().get(i);
            KindEntry e = current.resolve(p.kind(), p.version());
            if (e == null || e.kind() != kinds[i]) {
                return false;
            }
            KindEntry was = bound.canaries()[i];
            if (p.canary() != null) {
                KindEntry c = current.resolve(p.kind(), p.canary().version());
                if (c == null || was == null || c.kind() != was.kind()) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * True when every kind object this generation's plugins (and canaries) were made by is still registered in
     * {@code current}: the generation can go on serving as it is.
     */
    public boolean kindsStillIn(KindSet current) {
        if (definition == null) {
            return false;
        }
        for (int i = 0; i < kinds.length; i++) {
            PluginDefinition p = definition.plugins().get(i);
            if (!registered(current, p.kind(), kinds[i])) {
                return false;
            }
            KindEntry c = bound.canaries()[i];
            if (c != null && !registered(current, p.kind(), c.kind())) {
                return false;
            }
        }
        return true;
    }

    private static boolean registered(KindSet current, String name, PluginKind<?> kind) {
        for (KindEntry e : current.versions(name)) {
            if (e.kind() == kind) {
                return true;
            }
        }
        return false;
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
