package io.gatehouse.core.internal.config;

import io.gatehouse.api.config.ConfigException;
import io.gatehouse.api.config.ConfigObject;
import io.gatehouse.api.config.ObjectStatus;
import io.gatehouse.api.config.Violation;
import io.gatehouse.api.config.WriteMode;
import io.gatehouse.api.config.WriteResult;
import io.gatehouse.api.log.LogEntry;
import io.gatehouse.api.log.NewEntry;
import io.gatehouse.api.log.Operation;
import io.gatehouse.api.log.OperationLog;
import io.gatehouse.api.log.Snapshot;
import io.gatehouse.api.plugin.PluginKind;
import io.gatehouse.core.internal.engine.Generation;
import io.gatehouse.core.internal.engine.GenerationFactory;
import io.gatehouse.core.internal.engine.PipelineDefinition;
import io.gatehouse.core.internal.engine.PipelineRegistry;
import io.gatehouse.core.internal.engine.PluginCreationException;
import io.gatehouse.core.internal.engine.PluginDefinition;
import io.gatehouse.core.internal.kinds.KindEntry;
import io.gatehouse.core.internal.kinds.PluginKindRegistry;
import io.gatehouse.dataplane.DataPlane;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The configuration state machine: the one write sequence (validate the whole resulting state, prepare
 * resources, append to the log, apply), replay at start, and pipeline rebuilds when plugin kinds come and
 * go. Every method except the readers runs on the single configuration thread; readers see volatile,
 * immutable snapshots.
 */
public final class Configurator {
    private static final Logger LOG = LoggerFactory.getLogger(Configurator.class);

    private final OperationLog log;
    private final ConfigCodec codec;
    private final HttpServerValidator serverValidator;
    private final PipelineValidator pipelineValidator;
    private final GenerationFactory factory;
    private final PluginKindRegistry kinds;
    private final PipelineRegistry pipelines;
    private final ListenerManager listeners;
    private final long epoch;
    private final int snapshotEvery;

    private final Map<String, PipelineDefinition> definitions = new HashMap<>();
    private volatile NavigableMap<ObjectKey, ConfigObject> state = Collections.emptyNavigableMap();
    private volatile long appliedIndex;
    // stored HTTPServers that replay could not start because their spec no longer validates (name -> reason)
    private volatile Map<String, String> unstartedServers = Map.of();
    private long snapshotIndex;

    public Configurator(OperationLog log, DataPlane dataPlane, PluginKindRegistry kinds, ConfigCodec codec,
                        SpecBinder binder, long epoch, int snapshotEvery, BindRetry bindRetry) {
        this.log = log;
        this.codec = codec;
        this.kinds = kinds;
        this.serverValidator = new HttpServerValidator(binder);
        this.pipelineValidator = new PipelineValidator(binder);
        this.factory = new GenerationFactory(binder);
        this.pipelines = new PipelineRegistry();
        this.listeners = new ListenerManager(dataPlane, pipelines, bindRetry);
        this.epoch = epoch;
        this.snapshotEvery = snapshotEvery;
    }

    // ---- readers (any thread)

    public NavigableMap<ObjectKey, ConfigObject> state() {
        return state;
    }

    public long appliedIndex() {
        return appliedIndex;
    }

    public PipelineRegistry pipelines() {
        return pipelines;
    }

    /** HTTPServers that are configured but not serving, with the reason. */
    public Map<String, String> serverProblems() {
        return listeners.problems();
    }

    /**
     * The status of an object from the published snapshots (no lock, no allocation beyond the result): a
     * Pipeline is ready when its current generation is available, an HTTPServer when its listener is bound.
     */
    public Optional<ObjectStatus> status(String kind, String name) {
        if (kind == null || name == null) {
            return Optional.empty();
        }
        // state first: a pipeline's generation is published before the state that holds it
        if (!state.containsKey(new ObjectKey(kind, name))) {
            return Optional.empty();
        }
        if (kind.equals(ObjectKinds.PIPELINE)) {
            Generation g = pipelines.current(name);
            if (g == null) {
                return Optional.of(ObjectStatus.notReady("it is being removed"));
            }
            return Optional.of(g.available() ? ObjectStatus.READY : ObjectStatus.notReady(g.unavailableReason()));
        }
        if (kind.equals(ObjectKinds.HTTP_SERVER)) {
            String problem = listeners.problem(name);
            if (problem == null) {
                problem = unstartedServers.get(name);
            }
            return Optional.of(problem == null ? ObjectStatus.READY : ObjectStatus.notReady(problem));
        }
        return Optional.of(ObjectStatus.notReady("kind '" + kind + "' is not known to this node; the object is ignored"));
    }

    // ---- writes (configuration thread)

    public List<WriteResult> write(List<ConfigObject> objects, WriteMode mode) throws ConfigException {
        return write(objects, mode, false);
    }

    /**
     * The write sequence. {@code boot} is for the embedded default, applied at first start: it accepts
     * plugin kinds nobody registered yet (the plugin bundles it uses may not have registered), and a port
     * another process holds does not refuse its server, which is stored and retries like a replayed one.
     * Objects whose spec equals the stored one are left out of validation, the log and the apply (see
     * {@link #unchanged}); when nothing is left, nothing is appended.
     */
    public List<WriteResult> write(List<ConfigObject> objects, WriteMode mode, boolean boot)
            throws ConfigException {
        if (objects == null || objects.isEmpty()) {
            throw ConfigException.invalid("$", "no objects to write");
        }
        boolean batch = objects.size() > 1;
        List<Violation> invalid = new ArrayList<>();
        List<Violation> conflicts = new ArrayList<>();
        Map<ObjectKey, Integer> positions = new LinkedHashMap<>();
        for (int i = 0; i < objects.size(); i++) {
            ConfigObject o = objects.get(i);
            String p = ObjectKinds.prefix(i, batch);
            if (o == null) {
                invalid.add(new Violation(p, "must be an object"));
                continue;
            }
            if (!ObjectKinds.known(o.kind())) {
                invalid.add(new Violation(p + ".kind", ObjectKinds.unknownKindMessage(o.kind())));
            }
            if (!ObjectKinds.NAME.matcher(o.name()).matches()) {
                invalid.add(new Violation(p + ".name", ObjectKinds.NAME_RULE));
            }
            Integer first = positions.putIfAbsent(new ObjectKey(o.kind(), o.name()), i);
            if (first != null) {
                invalid.add(new Violation(p, o.kind() + " '" + o.name() + "' appears twice in the batch (also at $["
                        + first + "])"));
            }
        }
        throwIfAny(invalid, conflicts);
        for (int i = 0; i < objects.size(); i++) {
            ConfigObject o = objects.get(i);
            boolean exists = state.containsKey(new ObjectKey(o.kind(), o.name()));
            if (mode == WriteMode.CREATE && exists) {
                conflicts.add(new Violation(ObjectKinds.prefix(i, batch) + ".name", o.kind() + " '" + o.name()
                        + "' already exists"));
            } else if (mode == WriteMode.UPDATE && !exists) {
                throw ConfigException.notFound(o.kind(), o.name());
            }
        }
        throwIfAny(invalid, conflicts);

        boolean[] same = new boolean[objects.size()];
        List<ConfigObject> changed = new ArrayList<>();
        Set<ObjectKey> existed = new HashSet<>();
        for (int i = 0; i < objects.size(); i++) {
            ConfigObject o = objects.get(i);
            same[i] = mode != WriteMode.CREATE && unchanged(o);
            if (!same[i]) {
                changed.add(o);
                if (state.containsKey(new ObjectKey(o.kind(), o.name()))) {
                    existed.add(new ObjectKey(o.kind(), o.name()));
                }
            }
        }
        if (changed.isEmpty()) {
            return results(objects, same, List.of(), existed);
        }

        Map<String, ServerModel> servers = new LinkedHashMap<>();
        Map<String, GenerationFactory.Bound> bound = new LinkedHashMap<>();
        Map<String, String> serverPrefixes = new HashMap<>();
        Map<String, String> pipelinePrefixes = new HashMap<>();
        Map<String, KindEntry> kindSnapshot = kinds.snapshot();
        for (int i = 0; i < objects.size(); i++) {
            if (same[i]) {
                continue;
            }
            ConfigObject o = objects.get(i);
            String p = ObjectKinds.prefix(i, batch);
            if (o.kind().equals(ObjectKinds.HTTP_SERVER)) {
                serverPrefixes.put(o.name(), p);
                ServerModel m = serverValidator.validate(o, p, invalid, conflicts);
                if (m != null) {
                    servers.put(o.name(), m);
                }
            } else {
                pipelinePrefixes.put(o.name(), p);
                PipelineDefinition def = pipelineValidator.validate(o, p, invalid);
                GenerationFactory.Bound b = def == null ? null : factory.check(def, kindSnapshot, p, invalid);
                if (b != null) {
                    if (!boot) {
                        rejectUnknownKinds(def, b.missing(), p, invalid);
                    }
                    bound.put(o.name(), b);
                }
            }
        }
        throwIfAny(invalid, conflicts);
        crossCheck(servers, serverPrefixes, bound.keySet(), invalid, conflicts);
        throwIfAny(invalid, conflicts);
        List<ConfigObject> applied = commit(changed, servers, serverPrefixes, bound, pipelinePrefixes, List.of(),
                boot);
        return results(objects, same, applied, existed);
    }

    /**
     * True when {@code o} is stored with the same spec (compared as data, {@link SpecEquality}) and that
     * stored spec was accepted on this node: a stored object that no longer validates (an older, laxer
     * version wrote it) is validated again when it is written, so the writer learns why it is not running.
     */
    private boolean unchanged(ConfigObject o) {
        ConfigObject cur = state.get(new ObjectKey(o.kind(), o.name()));
        if (cur == null || !SpecEquality.same(cur.spec(), o.spec())) {
            return false;
        }
        if (o.kind().equals(ObjectKinds.PIPELINE)) {
            return definitions.containsKey(o.name());
        }
        if (o.kind().equals(ObjectKinds.HTTP_SERVER)) {
            return listeners.has(o.name()) && !unstartedServers.containsKey(o.name());
        }
        return false;
    }

    /**
     * The outcome per object, in the order written. An unchanged HTTPServer that is waiting to bind its port
     * tries again now: writing a server again has always been the way to ask for that.
     */
    private List<WriteResult> results(List<ConfigObject> objects, boolean[] same, List<ConfigObject> applied,
                                      Set<ObjectKey> existed) {
        List<WriteResult> out = new ArrayList<>(objects.size());
        int next = 0;
        for (int i = 0; i < objects.size(); i++) {
            ConfigObject o = objects.get(i);
            ObjectKey key = new ObjectKey(o.kind(), o.name());
            if (same[i]) {
                if (o.kind().equals(ObjectKinds.HTTP_SERVER)) {
                    listeners.retryNow(o.name());
                }
                out.add(new WriteResult(state.get(key), WriteResult.Change.UNCHANGED));
            } else {
                out.add(new WriteResult(applied.get(next++), existed.contains(key) ? WriteResult.Change.UPDATED
                        : WriteResult.Change.CREATED));
            }
        }
        return out;
    }

    /**
     * A missing kind is accepted when it is known (registered since this node started, or used by a stored
     * pipeline): its bundle is stopped or not started yet, and the pipeline is unavailable until it is back.
     * A kind nobody has ever registered is a mistake (a typo, a plugin that was never installed): 400.
     */
    private void rejectUnknownKinds(PipelineDefinition def, List<String> missing, String prefix, List<Violation> invalid) {
        if (missing.isEmpty()) {
            return;
        }
        Set<String> stored = storedPluginKinds();
        List<PluginDefinition> plugins = def.plugins();
        for (int i = 0; i < plugins.size(); i++) {
            String kind = plugins.get(i).kind();
            if (missing.contains(kind) && !kinds.seen(kind) && !stored.contains(kind)) {
                invalid.add(new Violation(prefix + ".spec.plugins[" + i + "].kind", "unknown plugin kind '" + kind
                        + "': no bundle has registered it on this node (known kinds: "
                        + String.join(", ", kinds.seenNames()) + "); install the plugin first"));
            }
        }
    }

    private Set<String> storedPluginKinds() {
        Set<String> out = new HashSet<>();
        for (ConfigObject o : state.values()) {
            if (o.kind().equals(ObjectKinds.PIPELINE)) {
                o.spec().path("plugins").forEach(p -> out.add(p.path("kind").asText()));
            }
        }
        return out;
    }

    public void delete(String kind, String name) throws ConfigException {
        ObjectKey key = new ObjectKey(kind, name);
        if (!state.containsKey(key)) {
            throw ConfigException.notFound(kind, name);
        }
        if (kind.equals(ObjectKinds.PIPELINE)) {
            for (ServerModel s : listeners.models().values()) {
                int rule = s.rulePipelines().indexOf(name);
                if (rule >= 0) {
                    throw ConfigException.conflict("$", "Pipeline '" + name + "' is used by HTTPServer '" + s.name()
                            + "' ($.spec.rules[" + rule + "].pipeline)");
                }
            }
        }
        commit(List.of(), Map.of(), Map.of(), Map.of(), Map.of(), List.of(key), false);
    }

    private void crossCheck(Map<String, ServerModel> servers, Map<String, String> prefixes, Set<String> newPipelines,
                            List<Violation> invalid, List<Violation> conflicts) {
        for (ServerModel s : servers.values()) {
            String p = prefixes.get(s.name());
            for (int j = 0; j < s.rulePipelines().size(); j++) {
                String pipe = s.rulePipelines().get(j);
                if (!newPipelines.contains(pipe) && !state.containsKey(new ObjectKey(ObjectKinds.PIPELINE, pipe))) {
                    invalid.add(new Violation(p + ".spec.rules[" + j + "].pipeline", "Pipeline '" + pipe
                            + "' does not exist"));
                }
            }
        }
        Map<String, ServerModel> all = new LinkedHashMap<>(listeners.models());
        all.putAll(servers);
        Set<String> reported = new LinkedHashSet<>();
        for (ServerModel s : servers.values()) {
            for (ServerModel t : all.values()) {
                if (t.name().equals(s.name()) || !s.overlaps(t.settings()) || reported.contains(t.name())) {
                    continue;
                }
                conflicts.add(new Violation(prefixes.get(s.name()) + ".spec.port", "address "
                        + ServerModel.socket(s.settings()) + " conflicts with HTTPServer '" + t.name() + "' on "
                        + ServerModel.socket(t.settings())));
                reported.add(s.name());
            }
        }
    }

    private List<ConfigObject> commit(List<ConfigObject> puts, Map<String, ServerModel> servers,
                                      Map<String, String> serverPrefixes, Map<String, GenerationFactory.Bound> bound,
                                      Map<String, String> pipelinePrefixes, List<ObjectKey> deletes,
                                      boolean deferBusyPorts) throws ConfigException {
        Map<String, Generation> generations = new LinkedHashMap<>();
        ListenerManager.Plan plan = null;
        List<LogEntry> stored;
        try {
            for (GenerationFactory.Bound b : bound.values()) {
                String name = b.definition().name();
                try {
                    generations.put(name, factory.create(b, pipelines.current(name)));
                } catch (PluginCreationException e) {
                    throw ConfigException.invalid(pipelinePrefixes.get(name) + ".spec.plugins[" + e.index() + "]",
                            e.getMessage());
                }
            }
            Set<String> serverDeletes = new LinkedHashSet<>();
            deletes.stream().filter(k -> k.kind().equals(ObjectKinds.HTTP_SERVER)).forEach(k -> serverDeletes.add(k.name()));
            plan = listeners.prepare(servers, serverPrefixes, serverDeletes, deferBusyPorts);
            List<NewEntry> entries = new ArrayList<>();
            for (ConfigObject o : puts) {
                entries.add(new NewEntry(Operation.PUT, o.kind(), o.name(), codec.encode(o)));
            }
            for (ObjectKey k : deletes) {
                entries.add(new NewEntry(Operation.DELETE, k.kind(), k.name(), new byte[0]));
            }
            stored = append(entries);
        } catch (ConfigException | RuntimeException e) {
            generations.forEach((name, g) -> g.retire(pipelines.current(name), LOG));
            if (plan != null) {
                listeners.release(plan);
            }
            throw e;
        }
        return apply(puts, deletes, bound, generations, plan, stored);
    }

    private List<LogEntry> append(List<NewEntry> entries) throws ConfigException {
        List<LogEntry> stored;
        try {
            stored = log.append(epoch, entries);
        } catch (IOException | RuntimeException e) {
            LOG.error("Appending {} entries to the operation log failed; the change is refused", entries.size(), e);
            throw new ConfigException(503, ConfigException.UNAVAILABLE,
                    "the change could not be written to the operation log: " + e.getMessage(), e);
        }
        if (stored == null || stored.size() != entries.size()) {
            throw new IllegalStateException("the operation log returned " + (stored == null ? 0 : stored.size())
                    + " entries for " + entries.size() + " operations");
        }
        return stored;
    }

    private List<ConfigObject> apply(List<ConfigObject> puts, List<ObjectKey> deletes,
                                     Map<String, GenerationFactory.Bound> bound, Map<String, Generation> generations,
                                     ListenerManager.Plan plan, List<LogEntry> stored) {
        TreeMap<ObjectKey, ConfigObject> next = new TreeMap<>(state);
        List<ConfigObject> result = new ArrayList<>();
        for (int i = 0; i < puts.size(); i++) {
            ConfigObject o = puts.get(i);
            ConfigObject applied = new ConfigObject(o.kind(), o.name(), o.spec().deepCopy(), stored.get(i).index());
            next.put(new ObjectKey(o.kind(), o.name()), applied);
            result.add(applied);
        }
        List<String> deletedPipelines = new ArrayList<>();
        for (ObjectKey k : deletes) {
            next.remove(k);
            if (k.kind().equals(ObjectKinds.PIPELINE)) {
                deletedPipelines.add(k.name());
            }
        }
        bound.forEach((name, b) -> definitions.put(name, b.definition()));
        deletedPipelines.forEach(definitions::remove);

        Map<String, Generation> retired = new HashMap<>();
        generations.keySet().forEach(n -> retired.put(n, pipelines.current(n)));
        deletedPipelines.forEach(n -> retired.put(n, pipelines.current(n)));
        pipelines.publish(generations, List.of());
        listeners.apply(plan);
        pipelines.publish(Map.of(), deletedPipelines);
        forgetUnstarted(puts, deletes);
        state = Collections.unmodifiableNavigableMap(next);
        appliedIndex = stored.get(stored.size() - 1).index();
        retired.forEach((name, old) -> {
            if (old != null) {
                old.retire(generations.get(name), LOG);
            }
        });
        generations.values().stream().filter(g -> !g.available()).forEach(g ->
                LOG.info("Pipeline '{}' was written but is unavailable for now: {}", g.pipeline(),
                        g.unavailableReason()));
        maybeSnapshot();
        return result;
    }

    /** A stored server that could not be started is forgotten once it is written again or deleted. */
    private void forgetUnstarted(List<ConfigObject> puts, List<ObjectKey> deletes) {
        if (unstartedServers.isEmpty()) {
            return;
        }
        Map<String, String> next = new HashMap<>(unstartedServers);
        puts.stream().filter(o -> o.kind().equals(ObjectKinds.HTTP_SERVER)).forEach(o -> next.remove(o.name()));
        deletes.stream().filter(k -> k.kind().equals(ObjectKinds.HTTP_SERVER)).forEach(k -> next.remove(k.name()));
        unstartedServers = Map.copyOf(next);
    }

    private static void throwIfAny(List<Violation> invalid, List<Violation> conflicts) throws ConfigException {
        if (!invalid.isEmpty()) {
            throw ConfigException.invalid(invalid);
        }
        if (!conflicts.isEmpty()) {
            throw new ConfigException(409, ConfigException.CONFLICT, "conflict: " + conflicts.get(0)
                    + (conflicts.size() > 1 ? " (and " + (conflicts.size() - 1) + " more)" : ""), conflicts);
        }
    }

    private void maybeSnapshot() {
        if (snapshotEvery <= 0 || appliedIndex - snapshotIndex < snapshotEvery) {
            return;
        }
        long index = appliedIndex;
        try {
            log.saveSnapshot(Snapshot.of(index, epoch, Instant.now(), codec.encodeState(state.values())));
            snapshotIndex = index;
            int dropped = log.compactUpTo(index);
            LOG.info("Saved a configuration snapshot at index {} and compacted {} log entries", index, dropped);
        } catch (IOException | RuntimeException e) {
            LOG.warn("Saving a configuration snapshot at index {} failed; the log keeps every entry", index, e);
        }
    }

    // ---- plugin kinds (configuration thread)

    /** Rebuilds every pipeline that uses {@code kindName}, after that kind was registered or unregistered. */
    public void kindChanged(String kindName) {
        Map<String, KindEntry> snapshot = kinds.snapshot();
        Map<String, PluginKind<?>> current = kinds.kinds();
        for (PipelineDefinition def : new ArrayList<>(definitions.values())) {
            if (!def.kinds().contains(kindName)) {
                continue;
            }
            Generation cur = pipelines.current(def.name());
            if (cur != null && cur.available() && cur.madeBy(current)) {
                continue;
            }
            Generation next = factory.rebuild(def, snapshot, cur);
            if (cur != null && !cur.available() && !next.available()
                    && Objects.equals(cur.unavailableReason(), next.unavailableReason())) {
                continue;
            }
            pipelines.publish(Map.of(def.name(), next), List.of());
            if (cur != null) {
                cur.retire(next, LOG);
            }
            if (next.available()) {
                LOG.info("Pipeline '{}' is available (generation {})", def.name(), next.number());
            } else {
                LOG.warn("Pipeline '{}' is unavailable: {}", def.name(), next.unavailableReason());
            }
        }
    }

    // ---- recovery and shutdown (configuration thread)

    /** Replays the log into the running state without appending. Returns true when the log held nothing. */
    public boolean recover() throws IOException {
        Recovery.Result r = new Recovery(log, codec).run();
        Map<String, Generation> generations = new HashMap<>();
        Map<String, KindEntry> kindSnapshot = kinds.snapshot();
        List<ServerModel> servers = new ArrayList<>();
        Map<String, String> unstarted = new HashMap<>();
        for (ConfigObject o : r.objects().values()) {
            List<Violation> invalid = new ArrayList<>();
            List<Violation> conflicts = new ArrayList<>();
            if (o.kind().equals(ObjectKinds.PIPELINE)) {
                PipelineDefinition def = pipelineValidator.validate(o, "$", invalid);
                if (def == null) {
                    LOG.error("Stored Pipeline '{}' is not valid: {}", o.name(), invalid);
                    generations.put(o.name(), Generation.unavailable(o.name(), 0, "its stored spec is not valid: "
                            + invalid));
                } else {
                    definitions.put(o.name(), def);
                    Generation g = factory.rebuild(def, kindSnapshot, null);
                    if (!g.available()) {
                        LOG.info("Pipeline '{}' is unavailable for now: {}", o.name(), g.unavailableReason());
                    }
                    generations.put(o.name(), g);
                }
            } else if (o.kind().equals(ObjectKinds.HTTP_SERVER)) {
                ServerModel m = serverValidator.validate(o, "$", invalid, conflicts);
                if (m == null) {
                    invalid.addAll(conflicts);
                    LOG.error("Stored HTTPServer '{}' is not valid and is not started: {}", o.name(), invalid);
                    unstarted.put(o.name(), "not started: its stored spec is not valid: " + invalid);
                } else {
                    servers.add(m);
                }
            } else {
                LOG.error("Stored object {} has an unknown kind; it is kept but ignored", o.key());
            }
        }
        pipelines.publish(generations, List.of());
        servers.forEach(listeners::restore);
        unstartedServers = Map.copyOf(unstarted);
        state = Collections.unmodifiableNavigableMap(r.objects());
        appliedIndex = r.index();
        snapshotIndex = r.snapshotIndex();
        maybeSnapshot();
        return r.fresh();
    }

    /** Closes every listener and plugin instance (deactivation). */
    public void close() {
        listeners.closeAll();
        Map<String, Generation> all = pipelines.all();
        pipelines.publish(Map.of(), all.keySet());
        all.values().forEach(g -> g.retire(null, LOG));
        definitions.clear();
    }
}
