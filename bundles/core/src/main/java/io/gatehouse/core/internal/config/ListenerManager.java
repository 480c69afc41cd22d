package io.gatehouse.core.internal.config;

import io.gatehouse.api.config.ConfigException;
import io.gatehouse.core.internal.engine.PipelineRegistry;
import io.gatehouse.core.internal.routing.ServerHandler;
import io.gatehouse.dataplane.DataPlane;
import io.gatehouse.dataplane.HttpListener;
import io.gatehouse.dataplane.ListenerSettings;
import java.io.IOException;
import java.net.BindException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live HTTPServers: one listener and one handler each. A write first {@link #prepare}s (binds new
 * sockets, so a port in use is refused before anything is logged), then either {@link #apply}s (swap
 * route tables, reconfigure in place, close what was replaced) or {@link #release}s (close what was bound,
 * rebind what had to be closed early). A socket another server of the same batch gives up is handed over
 * (the listener object moves), so swapping ports between servers never leaves a gap.
 * Configuration thread only, except {@link #problems()}.
 */
final class ListenerManager {
    private static final Logger LOG = LoggerFactory.getLogger(ListenerManager.class);

    private final DataPlane dataPlane;
    private final PipelineRegistry pipelines;
    private final Map<String, Live> live = new HashMap<>();
    private volatile Map<String, String> problems = Map.of();

    ListenerManager(DataPlane dataPlane, PipelineRegistry pipelines) {
        this.dataPlane = dataPlane;
        this.pipelines = pipelines;
    }

    /** A running server. {@code listener} is null when its socket could not be bound (see {@code problem}). */
    private static final class Live {
        final ServerModel model;
        HttpListener listener;
        final ServerHandler handler;
        String problem;

        Live(ServerModel model, HttpListener listener, ServerHandler handler, String problem) {
            this.model = model;
            this.listener = listener;
            this.handler = handler;
            this.problem = problem;
        }
    }

    private enum Mode { RECONFIGURE, TRANSFER, BOUND }

    private record Prepared(ServerModel model, Mode mode, HttpListener listener, ServerHandler handler, String donor) {
    }

    /** What one write prepared; handed back to {@link #apply} or {@link #release}. */
    static final class Plan {
        private final Map<String, Prepared> puts = new LinkedHashMap<>();
        private final Set<String> deletes;
        private final List<Live> closedEarly = new ArrayList<>();
        private final Set<String> donors = new HashSet<>();

        private Plan(Set<String> deletes) {
            this.deletes = deletes;
        }
    }

    /** The validated model of every server (for cross-object checks). */
    Map<String, ServerModel> models() {
        Map<String, ServerModel> out = new TreeMap<>();
        live.forEach((k, v) -> out.put(k, v.model));
        return out;
    }

    /** Servers that are configured but not serving, with the reason (for status reporting). */
    Map<String, String> problems() {
        return problems;
    }

    Plan prepare(Map<String, ServerModel> puts, Map<String, String> prefixes, Set<String> deletes)
            throws ConfigException {
        Plan plan = new Plan(deletes);
        Set<String> releasing = new LinkedHashSet<>(deletes);
        for (ServerModel s : puts.values()) {
            Live cur = live.get(s.name());
            if (cur != null && cur.listener != null && !cur.listener.settings().sameSocket(s.settings())) {
                releasing.add(s.name());
            }
        }
        try {
            for (ServerModel s : puts.values()) {
                Live cur = live.get(s.name());
                if (cur != null && cur.listener != null && !releasing.contains(s.name())) {
                    plan.puts.put(s.name(), new Prepared(s, Mode.RECONFIGURE, cur.listener, cur.handler, null));
                    continue;
                }
                String donor = donor(s.settings(), releasing, plan);
                if (donor != null) {
                    plan.donors.add(donor);
                    plan.puts.put(s.name(), new Prepared(s, Mode.TRANSFER, live.get(donor).listener, null, donor));
                    continue;
                }
                for (String d : releasing) {
                    Live dl = live.get(d);
                    if (dl != null && dl.listener != null && !plan.donors.contains(d) && !plan.closedEarly.contains(dl)
                            && ServerModel.overlap(dl.listener.settings(), s.settings())) {
                        LOG.info("Closing server '{}' on {} before binding {} for server '{}'", d,
                                ServerModel.socket(dl.listener.settings()), ServerModel.socket(s.settings()), s.name());
                        dl.listener.close();
                        plan.closedEarly.add(dl);
                    }
                }
                ServerHandler handler = new ServerHandler(s.name(), pipelines);
                HttpListener listener = bind(s.settings(), handler, prefixes.getOrDefault(s.name(), "$"));
                plan.puts.put(s.name(), new Prepared(s, Mode.BOUND, listener, handler, null));
            }
        } catch (ConfigException | RuntimeException e) {
            release(plan);
            throw e;
        }
        return plan;
    }

    private String donor(ListenerSettings wanted, Set<String> releasing, Plan plan) {
        for (String d : releasing) {
            Live dl = live.get(d);
            if (dl != null && dl.listener != null && !plan.donors.contains(d) && !plan.closedEarly.contains(dl)
                    && dl.listener.settings().sameSocket(wanted)) {
                return d;
            }
        }
        return null;
    }

    private HttpListener bind(ListenerSettings settings, ServerHandler handler, String prefix) throws ConfigException {
        String socket = ServerModel.socket(settings);
        try {
            return dataPlane.bind(settings, handler);
        } catch (BindException e) {
            String why = e.getMessage() != null && e.getMessage().toLowerCase().contains("in use")
                    ? "address " + socket + " is already in use"
                    : "address " + socket + " cannot be bound: " + e.getMessage();
            throw ConfigException.conflict(prefix + ".spec.port", why);
        } catch (IOException e) {
            throw ConfigException.conflict(prefix + ".spec.port", "address " + socket + " cannot be bound: "
                    + e.getMessage());
        }
    }

    /** Undoes a prepare: closes new listeners and rebinds listeners that were closed early. */
    void release(Plan plan) {
        for (Prepared p : plan.puts.values()) {
            if (p.mode() == Mode.BOUND) {
                closeQuietly(p.listener(), p.model().name());
            }
        }
        for (Live dl : plan.closedEarly) {
            try {
                dl.listener = dataPlane.bind(dl.listener.settings(), dl.handler);
                dl.problem = null;
            } catch (IOException | RuntimeException e) {
                LOG.error("Server '{}' could not rebind {} after a refused change: it is not serving", dl.model.name(),
                        ServerModel.socket(dl.model.settings()), e);
                dl.listener = null;
                dl.problem = "not bound: " + e.getMessage();
            }
        }
        updateProblems();
    }

    /** Makes a prepared change live. Never throws: failures of single listeners are logged. */
    void apply(Plan plan) {
        Map<String, Live> before = new HashMap<>(live);
        List<Live> replaced = new ArrayList<>();
        for (Prepared p : plan.puts.values()) {
            String name = p.model().name();
            Live cur = before.get(name);
            Live next;
            switch (p.mode()) {
                case RECONFIGURE -> {
                    if (!cur.listener.settings().equals(p.model().settings())) {
                        try {
                            cur.listener.reconfigure(p.model().settings());
                        } catch (RuntimeException e) {
                            LOG.error("Server '{}' could not apply new limits; it keeps the previous ones", name, e);
                        }
                    }
                    cur.handler.routes(p.model().routes());
                    next = new Live(p.model(), cur.listener, cur.handler, null);
                }
                case TRANSFER -> {
                    ServerHandler handler = new ServerHandler(name, pipelines);
                    handler.routes(p.model().routes());
                    HttpListener listener = before.get(p.donor()).listener;
                    listener.handler(handler);
                    try {
                        listener.reconfigure(p.model().settings());
                    } catch (RuntimeException e) {
                        LOG.error("Server '{}' took over {} but could not apply its limits", name,
                                ServerModel.socket(p.model().settings()), e);
                    }
                    next = new Live(p.model(), listener, handler, null);
                }
                default -> {
                    p.handler().routes(p.model().routes());
                    next = new Live(p.model(), p.listener(), p.handler(), null);
                }
            }
            if (cur != null && p.mode() != Mode.RECONFIGURE) {
                replaced.add(cur);
            }
            live.put(name, next);
        }
        for (String d : plan.deletes) {
            Live dl = live.remove(d);
            if (dl != null) {
                replaced.add(dl);
            }
        }
        for (Live old : replaced) {
            boolean donated = plan.donors.contains(old.model.name());
            if (old.listener != null && !donated && !plan.closedEarly.contains(old)) {
                closeQuietly(old.listener, old.model.name());
            }
        }
        updateProblems();
    }

    /** Starts a server recovered from the log; a socket that cannot be bound is logged and reported. */
    void restore(ServerModel model) {
        ServerHandler handler = new ServerHandler(model.name(), pipelines);
        handler.routes(model.routes());
        try {
            HttpListener listener = dataPlane.bind(model.settings(), handler);
            live.put(model.name(), new Live(model, listener, handler, null));
        } catch (IOException | RuntimeException e) {
            LOG.error("HTTPServer '{}' cannot bind {}: {}; it stays configured but is not serving until it is "
                    + "written again", model.name(), ServerModel.socket(model.settings()), e.getMessage(), e);
            live.put(model.name(), new Live(model, null, handler, "not bound: " + ServerModel.socket(model.settings())
                    + ": " + e.getMessage()));
        }
        updateProblems();
    }

    /** Closes every listener (deactivation). */
    void closeAll() {
        live.forEach((name, l) -> {
            if (l.listener != null) {
                closeQuietly(l.listener, name);
            }
        });
        live.clear();
        updateProblems();
    }

    private static void closeQuietly(HttpListener listener, String server) {
        try {
            listener.close();
        } catch (RuntimeException e) {
            LOG.warn("Closing the listener of server '{}' failed", server, e);
        }
    }

    private void updateProblems() {
        Map<String, String> p = new TreeMap<>();
        live.forEach((k, v) -> {
            if (v.problem != null) {
                p.put(k, v.problem);
            }
        });
        problems = Map.copyOf(p);
    }
}
