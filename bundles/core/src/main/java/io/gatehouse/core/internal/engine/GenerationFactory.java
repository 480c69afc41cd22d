package io.gatehouse.core.internal.engine;

import io.gatehouse.api.config.Violation;
import io.gatehouse.api.config.Violations;
import io.gatehouse.api.plugin.Plugin;
import io.gatehouse.api.plugin.PluginKind;
import io.gatehouse.api.plugin.Results;
import io.gatehouse.core.internal.config.SpecBinder;
import io.gatehouse.core.internal.kinds.KindEntry;
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

    /** A definition checked against the kinds registered now: bound specs, or the kinds that are missing. */
    public record Bound(PipelineDefinition definition, KindEntry[] kinds, Object[] specs, List<String> missing) {
    }

    /**
     * Checks kind-specific rules. Missing kinds are not violations (the pipeline is then unavailable and its
     * specs are checked when the kinds appear).
     *
     * @param prefix path of the Pipeline object ({@code $} or {@code $[i]})
     * @return the bound pipeline, or null when violations were added to {@code sink}
     */
    public Bound check(PipelineDefinition def, Map<String, KindEntry> kinds, String prefix, List<Violation> sink) {
        List<PluginDefinition> plugins = def.plugins();
        List<String> missing = new ArrayList<>();
        for (String k : def.kinds()) {
            if (!kinds.containsKey(k)) {
                missing.add(k);
            }
        }
        if (!missing.isEmpty()) {
            return new Bound(def, null, null, List.copyOf(missing));
        }
        int before = sink.size();
        KindEntry[] entries = new KindEntry[plugins.size()];
        Object[] specs = new Object[plugins.size()];
        for (int i = 0; i < plugins.size(); i++) {
            PluginDefinition p = plugins.get(i);
            KindEntry entry = kinds.get(p.kind());
            entries[i] = entry;
            String path = prefix + ".spec.plugins[" + i + "]";
            try {
                specs[i] = bindAndValidate(entry.kind(), p, path, sink);
            } catch (RuntimeException e) {
                sink.add(new Violation(path + ".spec", "plugin kind '" + p.kind() + "' failed to validate the spec: " + e));
            }
            List<String> results = entry.kind().results();
            for (String key : p.jumpIf().keySet()) {
                if (results == null || !results.contains(key)) {
                    StringBuilder b = new StringBuilder(path).append(".jumpIf");
                    SpecBinder.appendField(b, key);
                    sink.add(new Violation(b.toString(), "'" + key + "' is not a result of plugin kind '" + p.kind()
                            + "' (" + describeResults(results) + ")"));
                }
            }
        }
        return sink.size() > before ? null : new Bound(def, entries, specs, List.of());
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

    /** Creates the generation for a bound pipeline (unavailable when kinds are missing). */
    public Generation create(Bound bound, Generation previous) throws PluginCreationException {
        PipelineDefinition def = bound.definition();
        long number = ++counter;
        if (!bound.missing().isEmpty()) {
            return Generation.unavailable(def.name(), number, missingReason(bound.missing()));
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
            Plugin prev = previous == null ? null : previous.instanceOf(names[i], kinds[i]);
            contexts[i] = new Context(def.name(), names[i], number, bound.kinds()[i].version(), prev, runtime);
            try {
                plugins[i] = createOne(kinds[i], bound.specs()[i], contexts[i]);
                if (plugins[i] == null) {
                    throw new IllegalStateException("create() returned null");
                }
            } catch (Exception e) {
                contexts[i].close();
                closeAll(plugins, contexts, i, def.name());
                throw new PluginCreationException(i, "plugin kind '" + kinds[i].name() + "' cannot create plugin '"
                        + names[i] + "': " + e.getMessage(), e);
            }
        }
        runtime.keep(def.name(), List.of(names));
        return new Generation(def.name(), number, plugins, names, kinds, jumps, contexts, null);
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
