package io.gatehouse.core.internal.engine;

import io.gatehouse.api.config.Violation;
import io.gatehouse.api.config.Violations;
import io.gatehouse.api.plugin.Plugin;
import io.gatehouse.api.plugin.PluginKind;
import io.gatehouse.api.plugin.Results;
import io.gatehouse.core.internal.config.SpecBinder;
import io.gatehouse.core.internal.kinds.KindEntry;
import io.gatehouse.core.internal.kinds.KindSet;
import io.gatehouse.core.internal.kinds.VersionSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns pipeline definitions into generations: binds each plugin's spec to its kind's spec type, runs the
 * kind's own validation, checks {@code jumpIf} keys against the kind's results, then creates instances
 * (handing each the previous instance of the same plugin when the same kind object made it).
 * Configuration thread only.
 */
public final class GenerationFactory {
    private static final Logger LOG = LoggerFactory.getLogger(GenerationFactory.class);

    private final SpecBinder binder;
    private final PluginRuntime runtime;
    private long counter;

    /** A factory with a runtime of its own (checks, tests). */
    public GenerationFactory(SpecBinder binder) {
        this(binder, new PluginRuntime());
    }

    /** @param runtime the state and timers of the instances this factory creates */
    public GenerationFactory(SpecBinder binder, PluginRuntime runtime) {
        this.binder = binder;
        this.runtime = runtime;
    }

    /**
     * A definition checked against the kinds registered now: the entry and bound spec of each plugin (and of its
     * canary), or why it cannot run here ({@code unavailable}: kinds not registered at all, listed in
     * {@code missing}, or no registered version that a plugin accepts).
     */
    public record Bound(PipelineDefinition definition, KindEntry[] kinds, Object[] specs, KindEntry[] canaries,
                        Object[] canarySpecs, List<String> missing, String unavailable) {
    }

    /** {@link #check(PipelineDefinition, KindSet, String, List)} with one registration per kind name. */
    public Bound check(PipelineDefinition def, Map<String, KindEntry> kinds, String prefix, List<Violation> sink) {
        return check(def, KindSet.of(kinds), prefix, sink);
    }

    /**
     * Checks kind-specific rules against the version each plugin resolves to (and its canary's). Missing kinds
     * and versions are not violations (the pipeline is then unavailable and its specs are checked when they
     * appear).
     *
     * @param prefix path of the Pipeline object ({@code $} or {@code $[i]})
     * @return the bound pipeline, or null when violations were added to {@code sink}
     */
    public Bound check(PipelineDefinition def, KindSet kinds, String prefix, List<Violation> sink) {
        List<PluginDefinition> plugins = def.plugins();
        List<String> missing = new ArrayList<>();
        for (String k : def.kinds()) {
            if (!kinds.has(k)) {
                missing.add(k);
            }
        }
        if (!missing.isEmpty()) {
            return new Bound(def, null, null, null, null, List.copyOf(missing), missingReason(missing));
        }
        int n = plugins.size();
        KindEntry[] entries = new KindEntry[n];
        KindEntry[] canaries = new KindEntry[n];
        List<String> absent = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            PluginDefinition p = plugins.get(i);
            entries[i] = kinds.resolve(p.kind(), p.version());
            if (entries[i] == null) {
                absent.add(describe(p.kind(), p.version(), kinds));
            }
            if (p.canary() != null) {
                canaries[i] = kinds.resolve(p.kind(), p.canary().version());
                if (canaries[i] == null) {
                    absent.add(describe(p.kind(), p.canary().version(), kinds));
                }
            }
        }
        if (!absent.isEmpty()) {
            String reason = absent.size() == 1 ? "plugin kind " + absent.get(0) + " is not installed"
                    : "plugin kinds " + String.join(", ", absent) + " are not installed";
            return new Bound(def, null, null, null, null, List.of(), reason);
        }
        int before = sink.size();
        Object[] specs = new Object[n];
        Object[] canarySpecs = new Object[n];
        for (int i = 0; i < n; i++) {
            PluginDefinition p = plugins.get(i);
            String path = prefix + ".spec.plugins[" + i + "]";
            specs[i] = checkOne(entries[i], p, path, sink);
            if (canaries[i] != null) {
                canarySpecs[i] = checkOne(canaries[i], p, path, sink);
            }
        }
        return sink.size() > before ? null : new Bound(def, entries, specs, canaries, canarySpecs, List.of(), null);
    }

    private static String describe(String kind, VersionSpec version, KindSet kinds) {
        return "'" + kind + "' version " + version + " (installed: " + kinds.describe(kind) + ")";
    }

    /** Binds and validates a plugin's spec for one version of its kind, and checks its jumpIf keys. */
    private Object checkOne(KindEntry entry, PluginDefinition p, String path, List<Violation> sink) {
        Object spec = null;
        try {
            spec = bindAndValidate(entry.kind(), p, path, sink);
        } catch (RuntimeException e) {
            sink.add(new Violation(path + ".spec", "plugin kind '" + p.kind() + "' " + entry.version()
                    + " failed to validate the spec: " + e));
        }
        List<String> results = entry.kind().results();
        for (String key : p.jumpIf().keySet()) {
            if (results == null || !results.contains(key)) {
                StringBuilder b = new StringBuilder(path).append(".jumpIf");
                SpecBinder.appendField(b, key);
                sink.add(new Violation(b.toString(), "'" + key + "' is not a result of plugin kind '" + p.kind()
                        + "' " + entry.version() + " (" + describeResults(results) + ")"));
            }
        }
        return spec;
    }

    private <S> Object bindAndValidate(PluginKind<S> kind, PluginDefinition p, String path, List<Violation> sink) {
        int before = sink.size();
        S spec = binder.bind(p.spec(), kind.specType(), path + ".spec", sink);
        if (spec == null) {
            if (sink.size() == before) {
                sink.add(new Violation(path + ".spec", "is required by plugin kind '" + p.kind() + "'"));
            }
            return null;
        }
        kind.validate(spec, Violations.at(path + ".spec", sink));
        return spec;
    }

    private static String describeResults(List<String> results) {
        if (results == null || results.isEmpty()) {
            return "it declares no results";
        }
        return "its results are " + String.join(", ", results);
    }

    /** Creates the generation for a bound pipeline (unavailable when kinds or versions are missing). */
    public Generation create(Bound bound, Generation previous) throws PluginCreationException {
        PipelineDefinition def = bound.definition();
        long number = ++counter;
        if (bound.unavailable() != null) {
            return Generation.unavailable(def.name(), number, bound.unavailable());
        }
        List<PluginDefinition> defs = def.plugins();
        int n = defs.size();
        Plugin[] plugins = new Plugin[n];
        String[] names = new String[n];
        PluginKind<?>[] kinds = new PluginKind<?>[n];
        @SuppressWarnings("unchecked")
        Map<String, Integer>[] jumps = new Map[n];
        for (int i = 0; i < n; i++) {
            PluginDefinition p = defs.get(i);
            names[i] = p.name();
            kinds[i] = bound.kinds()[i].kind();
            Map<String, Integer> table = new HashMap<>();
            for (Map.Entry<String, String> j : p.jumpIf().entrySet()) {
                table.put(j.getKey(), Results.END.equals(j.getValue()) ? n : def.indexOf(j.getValue()));
            }
            jumps[i] = Map.copyOf(table);
        }
        Context[] contexts = new Context[n];
        for (int i = 0; i < n; i++) {
            KindEntry canary = bound.canaries()[i];
            // a plugin with a canary gets no previous instance (two versions share one name): its state carries over
            Plugin prev = previous == null || canary != null || previous.hasCanary(names[i]) ? null
                    : previous.instanceOf(names[i], kinds[i]);
            contexts[i] = new Context(def.name(), names[i], number, bound.kinds()[i].version(), prev, runtime);
            try {
                Plugin primary = createOne(kinds[i], bound.specs()[i], contexts[i]);
                if (primary == null) {
                    throw new IllegalStateException("create() returned null");
                }
                plugins[i] = primary;
                if (canary != null) {
                    Context cc = new Context(def.name(), names[i], number, canary.version(), null, runtime);
                    Plugin second;
                    try {
                        second = createOne(canary.kind(), bound.canarySpecs()[i], cc);
                        if (second == null) {
                            throw new IllegalStateException("create() returned null");
                        }
                    } catch (Exception e) {
                        cc.close();
                        closeQuietly(primary, def.name());
                        throw e;
                    }
                    plugins[i] = new CanaryPlugin(primary, bound.kinds()[i].version(), second, canary.version(),
                            cc, defs.get(i).canary());
                }
            } catch (Exception e) {
                contexts[i].close();
                closeAll(plugins, contexts, i, def.name());
                throw new PluginCreationException(i, "plugin kind '" + kinds[i].name() + "' cannot create plugin '"
                        + names[i] + "': " + e.getMessage(), e);
            }
        }
        runtime.keep(def.name(), List.of(names));
        return new Generation(def.name(), number, plugins, names, kinds, jumps, contexts, null, def, bound);
    }

    private static void closeQuietly(Plugin p, String pipeline) {
        try {
            p.close();
        } catch (RuntimeException e) {
            LOG.warn("Closing a plugin of pipeline '{}' after a failed build failed", pipeline, e);
        }
    }

    @SuppressWarnings("unchecked")
    private static <S> Plugin createOne(PluginKind<S> kind, Object spec, Context context) throws Exception {
        return kind.create((S) spec, context);
    }

    private static void closeAll(Plugin[] plugins, Context[] contexts, int upTo, String pipeline) {
        for (int i = 0; i < upTo; i++) {
            contexts[i].close();
            try {
                plugins[i].close();
            } catch (RuntimeException e) {
                LOG.warn("Closing a plugin of pipeline '{}' after a failed build failed", pipeline, e);
            }
        }
    }

    /**
     * Builds a generation off the write path (a kind appeared or went away, or replay): never throws; a
     * spec that no longer validates or an instance that cannot be created makes the generation unavailable.
     */
    public Generation rebuild(PipelineDefinition def, Map<String, KindEntry> kinds, Generation previous) {
        return rebuild(def, KindSet.of(kinds), previous);
    }

    /** As {@link #rebuild(PipelineDefinition, Map, Generation)}, against every registered version. */
    public Generation rebuild(PipelineDefinition def, KindSet kinds, Generation previous) {
        List<Violation> sink = new ArrayList<>();
        Bound bound = check(def, kinds, "$", sink);
        if (bound == null) {
            String reason = "its spec is not valid for the installed plugin kinds: "
                    + sink.stream().map(Violation::toString).collect(Collectors.joining("; "));
            return Generation.unavailable(def.name(), ++counter, reason);
        }
        try {
            return create(bound, previous);
        } catch (PluginCreationException e) {
            LOG.debug("Pipeline '{}': {}", def.name(), e.getMessage(), e.getCause());
            return Generation.unavailable(def.name(), ++counter, e.getMessage());
        }
    }

    /** A generation that is unavailable for {@code reason} (a stored spec this node cannot read). */
    public Generation unavailable(String pipeline, String reason) {
        return Generation.unavailable(pipeline, ++counter, reason);
    }

    static String missingReason(List<String> missing) {
        if (missing.size() == 1) {
            return "plugin kind '" + missing.get(0) + "' is not installed";
        }
        return "plugin kinds " + missing.stream().map(k -> "'" + k + "'").collect(Collectors.joining(", "))
                + " are not installed";
    }
}
