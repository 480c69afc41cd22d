package io.gatehouse.core.internal.config;

import io.gatehouse.api.config.ConfigObject;
import io.gatehouse.api.config.ObjectStatus;
import io.gatehouse.api.config.Violation;
import io.gatehouse.core.internal.engine.Generation;
import io.gatehouse.core.internal.engine.GenerationFactory;
import io.gatehouse.core.internal.engine.PipelineDefinition;
import io.gatehouse.core.internal.engine.PipelineRegistry;
import io.gatehouse.core.internal.engine.PluginRuntime;
import io.gatehouse.core.internal.kinds.KindSet;
import io.gatehouse.core.internal.kinds.PluginKindRegistry;
import io.gatehouse.core.internal.stats.Traffic;
import io.gatehouse.dataplane.DataPlane;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What runs from the applied objects: pipeline generations (plugin instances) and HTTPServer listeners.
 * {@link #reconcile} brings the objects an applied entry touched in line with the objects' new state; it is
 * deterministic in what it stores and never refuses: an object that cannot run here (a spec this node
 * rejects, a plugin kind not installed, an instance that fails to start, a port in use) is kept and reported
 * not ready with the reason. Configuration thread only, except the readers of published snapshots
 * ({@link #status}, {@link #pipelines()}, {@link #serverProblems()}).
 */
final class RunningState {
    private static final Logger LOG = LoggerFactory.getLogger(RunningState.class);

    private final PluginKindRegistry kinds;
    private final HttpServerValidator serverValidator;
    private final PipelineValidator pipelineValidator;
    private final PluginRuntime runtime = new PluginRuntime();
    private final Map<String, Long> graceUntil = new HashMap<>();
    private Duration kindGrace = Duration.ZERO;
    /** Pipelines kept on their versions because the version they now resolve to cannot run them, and why. */
    private final Map<String, String> heldBack = new HashMap<>();
    private final GenerationFactory factory;
    private final PipelineRegistry pipelines = new PipelineRegistry();
    private final ListenerManager listeners;
    private final Map<String, PipelineDefinition> definitions = new HashMap<>();
    // stored HTTPServers that cannot start because their spec does not validate on this node (name -> reason)
    private volatile Map<String, String> unstartedServers = Map.of();
    // when each stored TLSCertificate's certificate expires (none for one that cannot be read), for its status
    private volatile Map<String, Instant> certificateExpiry = Map.of();

    RunningState(DataPlane dataPlane, PluginKindRegistry kinds, SpecBinder binder, BindRetry bindRetry,
                 PortProbe portProbe) {
        this(dataPlane, kinds, binder, bindRetry, portProbe, 0, new Traffic());
    }

    /** @param portOffset added to every HTTPServer's port on this node (core configuration {@code portOffset}) */
    RunningState(DataPlane dataPlane, PluginKindRegistry kinds, SpecBinder binder, BindRetry bindRetry,
                 PortProbe portProbe, int portOffset, Traffic traffic) {
        this.kinds = kinds;
        this.serverValidator = new HttpServerValidator(binder, portOffset);
        this.pipelineValidator = new PipelineValidator(binder);
        this.factory = new GenerationFactory(binder, runtime);
        this.listeners = new ListenerManager(dataPlane, pipelines, bindRetry, portProbe, portOffset, traffic);
    }

    /** The validator of HTTPServers on this node (the planner uses it too: one port offset for both). */
    HttpServerValidator serverValidator() {
        return serverValidator;
    }

    PipelineRegistry pipelines() {
        return pipelines;
    }

    ListenerManager listeners() {
        return listeners;
    }

    /** HTTPServers that are configured but not serving, with the reason. */
    Map<String, String> serverProblems() {
        Map<String, String> out = new java.util.TreeMap<>(unstartedServers);
        out.putAll(listeners.problems());
        return out;
    }

    /**
     * True when {@code o}'s stored spec was accepted here: a pipeline with a definition, a server that is
     * configured. A stored object that does not validate on this node is never "unchanged" for a write.
     */
    boolean accepted(ConfigObject o) {
        if (o.kind().equals(ObjectKinds.PIPELINE)) {
            return definitions.containsKey(o.name());
        }
        if (o.kind().equals(ObjectKinds.HTTP_SERVER)) {
            return listeners.has(o.name()) && !unstartedServers.containsKey(o.name());
        }
        // a token or a certificate runs nothing by itself: stored is accepted (the planner validated it)
        return o.kind().equals(ObjectKinds.API_TOKEN) || o.kind().equals(ObjectKinds.TLS_CERTIFICATE);
    }

    /**
     * The status of a stored object from the published snapshots: a Pipeline is ready when its current
     * generation is available, an HTTPServer when its listener is bound.
     */
    Optional<ObjectStatus> status(String kind, String name) {
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
        if (kind.equals(ObjectKinds.API_TOKEN)) {
            return Optional.of(ObjectStatus.READY);
        }
        if (kind.equals(ObjectKinds.TLS_CERTIFICATE)) {
            Instant notAfter = certificateExpiry.get(name);
            return Optional.of(notAfter != null && notAfter.isBefore(Instant.now())
                    ? ObjectStatus.notReady("the certificate expired on " + notAfter) : ObjectStatus.READY);
        }
        return Optional.of(ObjectStatus.notReady("kind '" + kind + "' is not known to this node; the object is ignored"));
    }

    /**
     * Brings the objects named by {@code touched} in line with {@code objects} (their applied state): new
     * generations for written pipelines (inheriting from the current ones), listeners bound, reconfigured or
     * closed for servers, removed pipelines dropped after the servers stopped routing to them, replaced
     * instances closed. Never throws for an object's sake.
     */
    void reconcile(Collection<ObjectKey> written, NavigableMap<ObjectKey, ConfigObject> objects) {
        Collection<ObjectKey> touched = withCertificateUsers(written, objects);
        Map<String, Generation> generations = new LinkedHashMap<>();
        List<String> deletedPipelines = new ArrayList<>();
        Map<String, ServerModel> servers = new LinkedHashMap<>();
        Set<String> serverDeletes = new LinkedHashSet<>();
        Map<String, String> unstarted = new HashMap<>(unstartedServers);
        Map<String, Instant> expiry = new HashMap<>(certificateExpiry);
        // only servers read them: an entry that touches none does not scan the state
        boolean anyServer = touched.stream().anyMatch(k -> k.kind().equals(ObjectKinds.HTTP_SERVER));
        Map<String, ConfigObject> certificates = anyServer ? TlsCertificates.byName(objects) : Map.of();
        KindSet kindSnapshot = kinds.snapshot();
        for (ObjectKey key : touched) {
            ConfigObject o = objects.get(key);
            List<Violation> invalid = new ArrayList<>();
            if (key.kind().equals(ObjectKinds.PIPELINE)) {
                if (o == null) {
                    definitions.remove(key.name());
                    deletedPipelines.add(key.name());
                    continue;
                }
                PipelineDefinition def = pipelineValidator.validate(o, "$", invalid);
                if (def == null) {
                    LOG.error("Pipeline '{}' is stored but not valid on this node: {}", key.name(), invalid);
                    definitions.remove(key.name());
                    generations.put(key.name(), factory.unavailable(key.name(), "its stored spec is not valid: "
                            + invalid));
                } else {
                    definitions.put(key.name(), def);
                    generations.put(key.name(), factory.rebuild(def, kindSnapshot, pipelines.current(key.name())));
                }
            } else if (key.kind().equals(ObjectKinds.HTTP_SERVER)) {
                unstarted.remove(key.name());
                if (o == null) {
                    serverDeletes.add(key.name());
                    continue;
                }
                List<Violation> conflicts = new ArrayList<>();
                ServerModel m = serverValidator.validate(o, "$", invalid, conflicts, certificates);
                if (m == null) {
                    invalid.addAll(conflicts);
                    LOG.error("HTTPServer '{}' is stored but not valid on this node and is not started: {}",
                            key.name(), invalid);
                    unstarted.put(key.name(), "not started: its stored spec is not valid: " + invalid);
                    serverDeletes.add(key.name());
                } else {
                    servers.put(key.name(), m);
                }
            } else if (key.kind().equals(ObjectKinds.TLS_CERTIFICATE)) {
                Instant notAfter = o == null ? null : TlsCertificates.notAfter(o);
                if (notAfter == null) {
                    expiry.remove(key.name());
                } else {
                    expiry.put(key.name(), notAfter);
                }
            } else if (o != null && !key.kind().equals(ObjectKinds.API_TOKEN)) {
                LOG.error("Stored object {} has a kind this node does not know; it is kept but ignored", key);
            }
        }
        Map<String, Generation> retired = new HashMap<>();
        generations.keySet().forEach(n -> retired.put(n, pipelines.current(n)));
        deletedPipelines.forEach(n -> retired.put(n, pipelines.current(n)));
        pipelines.publish(generations, List.of());
        if (!servers.isEmpty() || !serverDeletes.isEmpty()) {
            listeners.update(servers, serverDeletes);
        }
        pipelines.publish(Map.of(), deletedPipelines);
        unstartedServers = Map.copyOf(unstarted);
        certificateExpiry = Map.copyOf(expiry);
        retired.forEach((name, old) -> {
            if (old != null) {
                old.retire(generations.get(name), LOG);
            }
        });
        deletedPipelines.forEach(runtime::drop);
        deletedPipelines.forEach(heldBack::remove);
        generations.values().stream().filter(g -> !g.available()).forEach(g ->
                LOG.info("Pipeline '{}' is unavailable for now: {}", g.pipeline(), g.unavailableReason()));
    }

    /**
     * {@code written} and every HTTPServer that references a written TLSCertificate: a certificate's new text
     * is its servers' new settings (their listeners serve it from new handshakes on).
     */
    private static Collection<ObjectKey> withCertificateUsers(Collection<ObjectKey> written,
                                                              NavigableMap<ObjectKey, ConfigObject> objects) {
        Set<String> certificates = new HashSet<>();
        written.stream().filter(k -> k.kind().equals(ObjectKinds.TLS_CERTIFICATE)).forEach(k -> certificates.add(k.name()));
        if (certificates.isEmpty()) {
            return written;
        }
        Set<ObjectKey> out = new LinkedHashSet<>(written);
        for (ConfigObject o : objects.values()) {
            if (o.kind().equals(ObjectKinds.HTTP_SERVER)
                    && TlsCertificates.references(o).stream().anyMatch(r -> certificates.contains(r.name()))) {
                out.add(new ObjectKey(o.kind(), o.name()));
            }
        }
        return out;
    }

    /** How long a generation whose kind went away keeps serving (see {@code kindGrace}). */
    void kindGrace(Duration grace) {
        this.kindGrace = grace;
    }

    /**
     * Rebuilds every pipeline that uses {@code kindName}, after a version of that kind was registered or
     * unregistered: a pipeline moves to the version its spec now resolves to (a new highest version, a canary's
     * version...), generation by generation, in-flight exchanges finishing on the old one. A pipeline whose
     * kind went away with no other version it accepts keeps its current generation for the grace period (the
     * bundle is probably being updated in place: the new version replaces it within it), then becomes
     * unavailable.
     *
     * @return when to check this kind again (a generation kept in its grace), or null
     */
    Duration kindChanged(String kindName) {
        KindSet snapshot = kinds.snapshot();
        Duration again = null;
        long now = System.nanoTime();
        for (PipelineDefinition def : new ArrayList<>(definitions.values())) {
            if (!def.kinds().contains(kindName)) {
                continue;
            }
            Generation cur = pipelines.current(def.name());
            if (cur != null && cur.available() && cur.madeBy(snapshot)) {
                graceUntil.remove(def.name());
                continue;
            }
            Generation next = factory.rebuild(def, snapshot, cur);
            if (cur != null && cur.available() && !next.available() && cur.kindsStillIn(snapshot)) {
                // a new version refuses this pipeline (its spec, or creating its instances): the versions it runs
                // on are all still here, so it stays on them rather than going out of service
                graceUntil.remove(def.name());
                if (!Objects.equals(heldBack.put(def.name(), next.unavailableReason()), next.unavailableReason())) {
                    LOG.warn("Pipeline '{}' stays on generation {} ({}): the version plugin kind '{}' now resolves "
                            + "to cannot run it: {}", def.name(), cur.number(), cur.describeVersions(), kindName,
                            next.unavailableReason());
                }
                continue;
            }
            heldBack.remove(def.name());
            if (cur != null && cur.available() && !next.available() && !kindGrace.isZero()) {
                long deadline = graceUntil.computeIfAbsent(def.name(), n -> now + kindGrace.toNanos());
                if (now < deadline) {
                    Duration left = Duration.ofNanos(deadline - now);
                    if (again == null || left.compareTo(again) < 0) {
                        again = left;
                    }
                    LOG.info("Pipeline '{}' keeps generation {} for {} ms while plugin kind '{}' is replaced ({})",
                            def.name(), cur.number(), left.toMillis(), kindName, next.unavailableReason());
                    continue;
                }
            }
            graceUntil.remove(def.name());
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
        return again;
    }

    /** Closes every listener and plugin instance (deactivation). */
    void close() {
        listeners.closeAll();
        Map<String, Generation> all = pipelines.all();
        pipelines.publish(Map.of(), all.keySet());
        all.values().forEach(g -> g.retire(null, LOG));
        definitions.clear();
        runtime.close();
    }
}
