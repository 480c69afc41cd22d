package io.gatehouse.core.internal.config;

import io.gatehouse.api.config.ConfigException;
import io.gatehouse.api.config.ConfigObject;
import io.gatehouse.api.config.Violation;
import io.gatehouse.api.config.WriteMode;
import io.gatehouse.api.log.Change;
import io.gatehouse.api.log.Operation;
import io.gatehouse.core.internal.engine.GenerationFactory;
import io.gatehouse.core.internal.engine.PipelineDefinition;
import io.gatehouse.core.internal.engine.PluginDefinition;
import io.gatehouse.core.internal.kinds.KindSet;
import io.gatehouse.core.internal.kinds.PluginKindRegistry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;

/**
 * Plans a write on the leader: validates the whole resulting state against the applied state (schema and
 * rules per object, each plugin kind's {@code validate}, references, duplicates, sockets and routing rules
 * that conflict, a port another process holds on this node) and turns the request into the changes of one
 * log entry, leaving unchanged objects out. Creates no plugin instance and binds nothing that it keeps.
 * Configuration thread only.
 */
final class Planner {
    private final ConfigCodec codec;
    private final PluginKindRegistry kinds;
    private final Applier applier;
    private final RunningState running;
    private final HttpServerValidator serverValidator;
    private final PipelineValidator pipelineValidator;
    private final GenerationFactory factory;
    private final SpecBinder binder;

    /**
     * A plan: the changes to commit as one entry, or, when every object is unchanged, the answer at once.
     *
     * @param changes   the entry's changes; empty when {@code immediate} is set
     * @param immediate the outcome when nothing needs to be logged, else null
     */
    record Plan(List<Change> changes, Outcome immediate) {
    }

    Planner(ConfigCodec codec, SpecBinder binder, PluginKindRegistry kinds, Applier applier, RunningState running) {
        this.codec = codec;
        this.kinds = kinds;
        this.applier = applier;
        this.running = running;
        // the running state's, so that the planner's probe and the apply bind the same (offset) ports
        this.serverValidator = running.serverValidator();
        this.pipelineValidator = new PipelineValidator(binder);
        this.factory = new GenerationFactory(binder);
        this.binder = binder;
    }

    /**
     * Plans a write. {@code boot} is for the embedded default at first start: it accepts plugin kinds nobody
     * registered yet, and a port another process holds does not refuse its server (it is stored and retries).
     */
    Plan write(WriteMode mode, List<ConfigObject> objects, boolean boot) throws ConfigException {
        return write(mode, objects, boot, false);
    }

    /** Plans a write that will not be made (a dry run): the same checks, no side effect on the running state. */
    Plan check(WriteMode mode, List<ConfigObject> objects) throws ConfigException {
        return write(mode, objects, false, true);
    }

    private Plan write(WriteMode mode, List<ConfigObject> objects, boolean boot, boolean dryRun)
            throws ConfigException {
        if (objects == null || objects.isEmpty()) {
            throw ConfigException.invalid("$", "no objects to write");
        }
        NavigableMap<ObjectKey, ConfigObject> state = applier.objects();
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
        // a TLSCertificate read back (its key redacted) and written again keeps the stored key
        objects = objects.stream().map(o -> TlsCertificates.restore(o, state)).toList();
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
        for (int i = 0; i < objects.size(); i++) {
            same[i] = mode != WriteMode.CREATE && unchanged(objects.get(i), state);
            if (!same[i]) {
                changed.add(objects.get(i));
            }
        }
        if (!changed.isEmpty()) {
            validate(objects, same, boot, state, invalid, conflicts);
        }
        // writing an unchanged server again is the way to ask a server waiting for its port to try at once
        for (int i = 0; i < objects.size() && !dryRun; i++) {
            if (same[i] && objects.get(i).kind().equals(ObjectKinds.HTTP_SERVER)) {
                running.listeners().retryNow(objects.get(i).name());
            }
        }
        if (changed.isEmpty()) {
            return new Plan(List.of(), compose(objects, new Outcome(0, List.of())));
        }
        List<Change> changes = new ArrayList<>();
        for (ConfigObject o : changed) {
            changes.add(new Change(Operation.PUT, o.kind(), o.name(), codec.encode(o)));
        }
        return new Plan(changes, null);
    }

    private void validate(List<ConfigObject> objects, boolean[] same, boolean boot,
                          NavigableMap<ObjectKey, ConfigObject> state, List<Violation> invalid,
                          List<Violation> conflicts) throws ConfigException {
        boolean batch = objects.size() > 1;
        Map<String, ServerModel> servers = new LinkedHashMap<>();
        Map<String, String> serverPrefixes = new HashMap<>();
        Set<String> pipelines = new HashSet<>();
        KindSet kindSnapshot = kinds.snapshot();
        Map<String, ConfigObject> certificates = TlsCertificates.byName(state);
        objects.stream().filter(o -> o.kind().equals(ObjectKinds.TLS_CERTIFICATE))
                .forEach(o -> certificates.put(o.name(), o));
        for (int i = 0; i < objects.size(); i++) {
            if (same[i]) {
                continue;
            }
            ConfigObject o = objects.get(i);
            String p = ObjectKinds.prefix(i, batch);
            if (o.kind().equals(ObjectKinds.HTTP_SERVER)) {
                serverPrefixes.put(o.name(), p);
                ServerModel m = serverValidator.validate(o, p, invalid, conflicts, certificates);
                if (m != null) {
                    servers.put(o.name(), m);
                }
            } else if (o.kind().equals(ObjectKinds.API_TOKEN)) {
                ApiTokenSpec.validate(binder, o, p, invalid);
            } else if (o.kind().equals(ObjectKinds.TLS_CERTIFICATE)) {
                TlsCertificates.validate(binder, o, p, invalid);
            } else {
                PipelineDefinition def = pipelineValidator.validate(o, p, invalid);
                GenerationFactory.Bound b = def == null ? null : factory.check(def, kindSnapshot, p, invalid);
                if (b != null) {
                    if (!boot) {
                        rejectUnknownKinds(def, b.missing(), p, invalid, state);
                    }
                    pipelines.add(o.name());
                }
            }
        }
        throwIfAny(invalid, conflicts);
        crossCheck(servers, serverPrefixes, pipelines, state, invalid, conflicts);
        throwIfAny(invalid, conflicts);
        if (!boot) {
            for (ServerModel s : servers.values()) {
                try {
                    running.listeners().probe(s, serverPrefixes.get(s.name()));
                } catch (ConfigException e) {
                    conflicts.addAll(e.violations());
                }
            }
            throwIfAny(invalid, conflicts);
        }
    }

    /**
     * True when {@code o} is stored with the same spec (compared as data, {@link SpecEquality}) and that
     * stored spec was accepted on this node: a stored object that no longer validates (an older, laxer
     * version wrote it) is validated again when it is written, so the writer learns why it is not running.
     */
    private boolean unchanged(ConfigObject o, NavigableMap<ObjectKey, ConfigObject> state) {
        ConfigObject cur = state.get(new ObjectKey(o.kind(), o.name()));
        return cur != null && SpecEquality.same(cur.spec(), o.spec()) && running.accepted(cur);
    }

    /**
     * A missing kind is accepted when it is known (registered since this node started, or used by a stored
     * pipeline): its bundle is stopped or not started yet, and the pipeline is unavailable until it is back.
     * A kind nobody has ever registered is a mistake (a typo, a plugin that was never installed): 400.
     */
    private void rejectUnknownKinds(PipelineDefinition def, List<String> missing, String prefix,
                                    List<Violation> invalid, NavigableMap<ObjectKey, ConfigObject> state) {
        if (missing.isEmpty()) {
            return;
        }
        Set<String> stored = new HashSet<>();
        for (ConfigObject o : state.values()) {
            if (o.kind().equals(ObjectKinds.PIPELINE)) {
                o.spec().path("plugins").forEach(p -> stored.add(p.path("kind").asText()));
            }
        }
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

    private void crossCheck(Map<String, ServerModel> servers, Map<String, String> prefixes, Set<String> newPipelines,
                            NavigableMap<ObjectKey, ConfigObject> state, List<Violation> invalid,
                            List<Violation> conflicts) {
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
        Map<String, ServerModel> all = new LinkedHashMap<>(running.listeners().models());
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

    /**
     * Plans a delete: the object must exist, no HTTPServer may still route to a Pipeline being deleted, and no
     * HTTPServer may still reference a TLSCertificate being deleted.
     */
    Plan delete(String kind, String name) throws ConfigException {
        if (kind == null || name == null || !applier.objects().containsKey(new ObjectKey(kind, name))) {
            throw ConfigException.notFound(kind, name);
        }
        if (kind.equals(ObjectKinds.TLS_CERTIFICATE)) {
            String user = TlsCertificates.usedBy(name, applier.objects());
            if (user != null) {
                throw ConfigException.conflict("$", "TLSCertificate '" + name + "' is used by " + user);
            }
        }
        if (kind.equals(ObjectKinds.PIPELINE)) {
            for (ServerModel s : running.listeners().models().values()) {
                int rule = s.rulePipelines().indexOf(name);
                if (rule >= 0) {
                    throw ConfigException.conflict("$", "Pipeline '" + name + "' is used by HTTPServer '" + s.name()
                            + "' ($.spec.rules[" + rule + "].pipeline)");
                }
            }
        }
        return new Plan(List.of(new Change(Operation.DELETE, kind, name, new byte[0])), null);
    }

    /**
     * The answer for the objects a request named, in its order, from the entry's recorded outcome: an
     * object the entry changed has the entry's effect and index; any other was unchanged and keeps the
     * revision it has in the applied state.
     */
    Outcome compose(List<ConfigObject> requested, Outcome recorded) {
        NavigableMap<ObjectKey, ConfigObject> state = applier.objects();
        List<Outcome.ObjectOutcome> out = new ArrayList<>(requested.size());
        for (ConfigObject o : requested) {
            ObjectKey key = new ObjectKey(o.kind(), o.name());
            Outcome.ObjectOutcome r = recorded.find(key);
            if (r == null) {
                ConfigObject cur = state.get(key);
                r = new Outcome.ObjectOutcome(o.kind(), o.name(), Outcome.Effect.UNCHANGED,
                        cur == null ? 0 : cur.revision());
            }
            out.add(r);
        }
        return new Outcome(recorded.index(), out);
    }

    static void throwIfAny(List<Violation> invalid, List<Violation> conflicts) throws ConfigException {
        if (!invalid.isEmpty()) {
            throw ConfigException.invalid(invalid);
        }
        if (!conflicts.isEmpty()) {
            throw new ConfigException(409, ConfigException.CONFLICT, "conflict: " + conflicts.get(0)
                    + (conflicts.size() > 1 ? " (and " + (conflicts.size() - 1) + " more)" : ""), conflicts);
        }
    }
}
