package io.gatehouse.core.internal.config;

import io.gatehouse.api.config.ConfigException;
import io.gatehouse.api.stats.RouteCounters;
import io.gatehouse.core.internal.engine.PipelineRegistry;
import io.gatehouse.core.internal.routing.Route;
import io.gatehouse.core.internal.routing.RouteTable;
import io.gatehouse.core.internal.routing.ServerHandler;
import io.gatehouse.core.internal.stats.Traffic;
import io.gatehouse.dataplane.DataPlane;
import io.gatehouse.dataplane.HttpListener;
import io.gatehouse.dataplane.ListenerSettings;
import java.io.IOException;
import java.net.BindException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live HTTPServers: one listener and one handler each. An applied entry's servers are made live by
 * {@link #update}: new sockets are bound first, then route tables are swapped, listeners reconfigured in
 * place, and what was replaced is closed. A socket another server of the same entry gives up is handed over
 * (the listener object moves), so swapping ports between servers never leaves a gap. The planner only
 * {@link #probe}s a socket (bind and release at once) so that a write asking for a port another process
 * holds is refused before anything is logged.
 *
 * <p>A configured server whose socket cannot be bound when an entry is applied (at replay, on a follower, or
 * because another process took the port meanwhile) stays configured and retries with backoff
 * ({@link BindRetry}); its status says why and when the next attempt is. The pending retry belongs to that
 * server's {@code Live}: replacing or deleting the server, or {@link #closeAll}, cancels it, and a retry
 * that fires for a {@code Live} that is no longer current does nothing. The log says when the state changes
 * (first failure, another cause, bound), not on every attempt.
 * <p>Ports are the ones this node binds: the spec's port plus the core's {@code portOffset}
 * ({@link HttpServerValidator}). A shifted port above 65535 cannot be bound on this node: the server is
 * stored and not ready with the reason, without retries (only a new offset or a new port can help; both
 * restart or rewrite the server), and the planning node's probe refuses it (409).
 * Configuration thread only, except {@link #problems()} and {@link #problem(String)}.
 */
final class ListenerManager {
    private static final Logger LOG = LoggerFactory.getLogger(ListenerManager.class);

    private final DataPlane dataPlane;
    private final PipelineRegistry pipelines;
    private final BindRetry retry;
    private final PortProbe portProbe;
    private final int portOffset;
    private final Traffic traffic;
    private final Map<String, Live> live = new HashMap<>();
    private volatile Map<String, Unbound> unbound = Map.of();
    /** Each configured server's current route table, published for the statistics (readers on any thread). */
    private volatile Map<String, RouteTable> tables = Map.of();

    ListenerManager(DataPlane dataPlane, PipelineRegistry pipelines, BindRetry retry, PortProbe portProbe,
                    int portOffset, Traffic traffic) {
        this.traffic = traffic;
        this.dataPlane = dataPlane;
        this.pipelines = pipelines;
        this.retry = retry;
        this.portProbe = portProbe;
        this.portOffset = portOffset;
    }

    /**
     * A configured server. {@code listener} is null while its socket is not bound; then {@code cause} says
     * why, {@code failures} counts the failed attempts and {@code pending} is the next one.
     */
    private static final class Live {
        final ServerModel model;
        HttpListener listener;
        final ServerHandler handler;
        String cause;
        int failures;
        long nextAttempt;
        long delayMillis;
        BindRetry.Cancellable pending;

        Live(ServerModel model, HttpListener listener, ServerHandler handler) {
            this.model = model;
            this.listener = listener;
            this.handler = handler;
        }

        void cancelRetry() {
            if (pending != null) {
                pending.cancel();
                pending = null;
            }
        }
    }

    /**
     * What status shows for a server that is not bound (published for readers on other threads): the time
     * left until the next attempt, in seconds when the delay is a second or more.
     */
    private record Unbound(String cause, int failures, long nextAttempt, long delayMillis) {
        String reason() {
            if (delayMillis < 0) {
                return cause;
            }
            long ms = TimeUnit.NANOSECONDS.toMillis(nextAttempt - System.nanoTime());
            String when;
            if (ms <= 0) {
                when = "now";
            } else if (delayMillis < 1000) {
                when = "in " + ms + "ms";
            } else {
                when = "in " + Math.max(1, Math.round(ms / 1000.0)) + "s";
            }
            return cause + ", retrying " + when + " (attempt " + failures + ")";
        }
    }

    private enum Mode { RECONFIGURE, TRANSFER, BOUND, DEFERRED }

    private record Prepared(ServerModel model, Mode mode, HttpListener listener, ServerHandler handler, String donor,
                            String cause) {
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

    /** True when a server of that name is configured (bound or not). */
    boolean has(String name) {
        return live.containsKey(name);
    }

    /** What each rule of each server matched, by server then rule (any thread). */
    List<RouteCounters> routeCounters() {
        List<RouteCounters> out = new ArrayList<>();
        tables.forEach((server, table) -> {
            for (int i = 0; i < table.size(); i++) {
                Route r = table.route(i);
                RouteTable.Hits h = table.hits(i);
                out.add(new RouteCounters(server, i, r.describe(), r.pipeline(), h.status(1), h.status(2),
                        h.status(3), h.status(4), h.status(5)));
            }
        });
        return out;
    }

    /** Servers that are configured but not serving, with the reason (for status reporting). */
    Map<String, String> problems() {
        Map<String, String> out = new TreeMap<>();
        unbound.forEach((name, u) -> out.put(name, u.reason()));
        return out;
    }

    /**
     * Why a server is not serving, such as {@code port 127.0.0.1:10081 in use, retrying in 4s (attempt 3)},
     * or null when it is (or is not configured). Any thread.
     */
    String problem(String name) {
        Unbound u = unbound.get(name);
        return u == null ? null : u.reason();
    }

    /**
     * Binds what an applied entry needs. A socket that cannot be bound does not refuse anything: the server
     * is prepared unbound (that was its first attempt) and retries once applied.
     */
    private Plan prepare(Map<String, ServerModel> puts, Set<String> deletes) {
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
                    plan.puts.put(s.name(), new Prepared(s, Mode.RECONFIGURE, cur.listener, cur.handler, null, null));
                    continue;
                }
                String donor = donor(s.settings(), releasing, plan);
                if (donor != null) {
                    plan.donors.add(donor);
                    plan.puts.put(s.name(), new Prepared(s, Mode.TRANSFER, live.get(donor).listener, null, donor, null));
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
                ServerHandler handler = new ServerHandler(s.name(), pipelines, traffic);
                String outOfRange = outOfRange(s.settings());
                if (outOfRange != null) {
                    plan.puts.put(s.name(), new Prepared(s, Mode.DEFERRED, null, handler, null, outOfRange));
                    continue;
                }
                HttpListener listener;
                try {
                    listener = dataPlane.bind(s.settings(), handler);
                } catch (IOException | RuntimeException e) {
                    // the first failed attempt: the server is stored and retries once applied
                    plan.puts.put(s.name(), new Prepared(s, Mode.DEFERRED, null, handler, null,
                            cause(ServerModel.socket(s.settings()), e)));
                    continue;
                }
                plan.puts.put(s.name(), new Prepared(s, Mode.BOUND, listener, handler, null, null));
            }
        } catch (RuntimeException e) {
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

    /**
     * The planning node's check that no other process holds the socket a written server wants: binds it
     * and releases it at once ({@link PortProbe}). Sockets this node already listens on (the server itself,
     * or one a server of the same write gives up) are not probed: the cross-object check judges those.
     *
     * @throws ConfigException 409 at {@code prefix.spec.port} when the socket cannot be bound
     */
    void probe(ServerModel s, String prefix) throws ConfigException {
        for (Live l : live.values()) {
            if (l.listener != null && ServerModel.overlap(l.listener.settings(), s.settings())) {
                return;
            }
        }
        String outOfRange = outOfRange(s.settings());
        if (outOfRange != null) {
            throw ConfigException.conflict(prefix + ".spec.port", outOfRange);
        }
        String socket = ServerModel.socket(s.settings());
        try {
            portProbe.probe(s.settings());
        } catch (BindException e) {
            String why = e.getMessage() != null && e.getMessage().toLowerCase(Locale.ROOT).contains("in use")
                    ? "address " + socket + " is already in use"
                    : "address " + socket + " cannot be bound: " + e.getMessage();
            throw ConfigException.conflict(prefix + ".spec.port", why);
        } catch (IOException | RuntimeException e) {
            throw ConfigException.conflict(prefix + ".spec.port", "address " + socket + " cannot be bound: "
                    + e.getMessage());
        }
    }

    /**
     * Makes the servers of an applied entry live: binds, hands over or reconfigures what {@code puts} needs and
     * closes what {@code deletes} names. Never refuses and never throws: a socket that cannot be bound leaves
     * its server configured, not serving, and retrying with backoff.
     */
    void update(Map<String, ServerModel> puts, Set<String> deletes) {
        Plan plan;
        try {
            plan = prepare(puts, deletes);
        } catch (RuntimeException e) {
            LOG.error("Updating listeners failed ({}); the servers concerned are restarted and retry", e.toString(), e);
            for (String d : deletes) {
                stop(live.remove(d));
            }
            for (ServerModel s : puts.values()) {
                stop(live.remove(s.name()));
                restore(s);
            }
            updateProblems();
            return;
        }
        apply(plan);
    }

    private static void stop(Live l) {
        if (l != null) {
            l.cancelRetry();
            if (l.listener != null) {
                closeQuietly(l.listener, l.model.name());
            }
        }
    }

    /** Undoes a prepare: closes new listeners and rebinds listeners that were closed early. */
    private void release(Plan plan) {
        for (Prepared p : plan.puts.values()) {
            if (p.mode() == Mode.BOUND) {
                closeQuietly(p.listener(), p.model().name());
            }
        }
        for (Live dl : plan.closedEarly) {
            dl.listener = null;
            attempt(dl);
        }
        updateProblems();
    }

    /** Makes a prepared change live. Never throws: failures of single listeners are logged. */
    private void apply(Plan plan) {
        Map<String, Live> before = new HashMap<>(live);
        List<Live> replaced = new ArrayList<>();
        for (Prepared p : plan.puts.values()) {
            String name = p.model().name();
            Live cur = before.get(name);
            Live next;
            switch (p.mode()) {
                case RECONFIGURE -> {
                    cur.handler.routes(p.model().routes());
                    next = cur.listener.settings().equals(p.model().settings()) ? new Live(p.model(), cur.listener,
                            cur.handler) : reconfigured(p.model(), cur.listener, cur.handler);
                }
                case TRANSFER -> {
                    ServerHandler handler = new ServerHandler(name, pipelines, traffic);
                    handler.routes(p.model().routes());
                    HttpListener listener = before.get(p.donor()).listener;
                    listener.handler(handler);
                    next = reconfigured(p.model(), listener, handler);
                }
                default -> {
                    p.handler().routes(p.model().routes());
                    next = new Live(p.model(), p.listener(), p.handler());
                }
            }
            if (p.mode() == Mode.DEFERRED) {
                failed(next, p.cause(), null);
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
            old.cancelRetry();
            boolean donated = plan.donors.contains(old.model.name());
            if (old.listener != null && !donated && !plan.closedEarly.contains(old)) {
                closeQuietly(old.listener, old.model.name());
            }
        }
        updateProblems();
    }

    /**
     * A bound listener given the model's settings. When it refuses them (new HTTPS settings this node cannot
     * load), it never goes on serving the old way (plain text, or other certificates): the port is closed and
     * bound anew with the new settings, retried like a port in use, the server reported not serving meanwhile.
     */
    private Live reconfigured(ServerModel model, HttpListener listener, ServerHandler handler) {
        try {
            listener.reconfigure(model.settings());
            return new Live(model, listener, handler);
        } catch (RuntimeException refused) {
            closeQuietly(listener, model.name());
            Live unbound = new Live(model, null, handler);
            failed(unbound, cause(ServerModel.socket(model.settings()), refused), refused);
            return unbound;
        }
    }

    /** Starts a server recovered from the log; a socket that cannot be bound is reported and retried. */
    void restore(ServerModel model) {
        ServerHandler handler = new ServerHandler(model.name(), pipelines, traffic);
        handler.routes(model.routes());
        Live l = new Live(model, null, handler);
        live.put(model.name(), l);
        attempt(l);
        updateProblems();
    }

    /**
     * A write of an unchanged server: one that is waiting for its port tries again now (and goes on with
     * its backoff if that fails too).
     */
    void retryNow(String name) {
        Live l = live.get(name);
        if (l != null && l.listener == null) {
            l.cancelRetry();
            attempt(l);
            updateProblems();
        }
    }

    /** Binds an unbound server's socket, or records the failure and schedules the next attempt. */
    private void attempt(Live l) {
        String name = l.model.name();
        String socket = ServerModel.socket(l.model.settings());
        String outOfRange = outOfRange(l.model.settings());
        if (outOfRange != null) {
            failed(l, outOfRange, null);
            return;
        }
        try {
            l.listener = dataPlane.bind(l.model.settings(), l.handler);
        } catch (IOException | RuntimeException e) {
            failed(l, cause(socket, e), e);
            return;
        }
        if (l.failures > 0) {
            LOG.info("HTTPServer '{}' is bound to {} and serving (after {} failed attempts)", name, socket,
                    l.failures);
        }
        l.cause = null;
        l.failures = 0;
        l.pending = null;
    }

    /** Records a failed attempt and schedules the next one; logs only when the cause changes. */
    private void failed(Live l, String cause, Exception e) {
        l.failures++;
        if (outOfRange(l.model.settings()) != null) {
            // no retry: the port cannot exist; a new offset restarts the core, a new port rewrites the server
            if (!cause.equals(l.cause)) {
                LOG.warn("HTTPServer '{}' is not serving: {}", l.model.name(), cause);
            }
            l.cause = cause;
            l.nextAttempt = 0;
            l.delayMillis = -1;
            l.pending = null;
            return;
        }
        Duration delay = retry.delay(l.failures);
        if (!cause.equals(l.cause)) {
            LOG.warn("HTTPServer '{}' is not serving: {}; it stays configured and tries again with backoff "
                    + "(next in {} ms, then less often, at most every {} s)", l.model.name(), cause, delay.toMillis(),
                    retry.max().toSeconds());
        } else {
            LOG.debug("HTTPServer '{}' still cannot bind {} (attempt {}): {}", l.model.name(),
                    ServerModel.socket(l.model.settings()), l.failures, String.valueOf(e));
        }
        l.cause = cause;
        l.nextAttempt = System.nanoTime() + delay.toNanos();
        l.delayMillis = delay.toMillis();
        l.pending = retry.scheduler().schedule(delay, () -> retryDue(l));
    }

    /** A scheduled retry: only for the server it was scheduled for, if it is still configured and unbound. */
    private void retryDue(Live l) {
        if (live.get(l.model.name()) != l || l.listener != null) {
            return;
        }
        l.pending = null;
        attempt(l);
        updateProblems();
    }

    /**
     * Why this node cannot bind the (offset) port at all, or null when it is a port: the spec's port is
     * 1..65535, but this node's {@code portOffset} may push it past 65535.
     */
    private String outOfRange(ListenerSettings s) {
        if (s.port() <= 65535) {
            return null;
        }
        return "port " + s.port() + " (the spec's " + (s.port() - portOffset) + " + this node's portOffset "
                + portOffset + ") is above 65535: this node cannot serve it (lower portOffset in configuration "
                + "io.gatehouse.core, or the server's port)";
    }

    private static String cause(String socket, Throwable e) {
        if (e.getCause() instanceof javax.net.ssl.SSLException && !(e instanceof javax.net.ssl.SSLException)) {
            e = e.getCause();
        }
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (e instanceof javax.net.ssl.SSLException) {
            // the certificate files of this node: the port was not bound
            return message + " (port " + socket + " not bound)";
        }
        if (e instanceof BindException && message.toLowerCase(Locale.ROOT).contains("in use")) {
            return "port " + socket + " in use";
        }
        return "cannot bind " + socket + ": " + message;
    }

    /** Closes every listener and calls off every retry (deactivation). */
    void closeAll() {
        live.forEach((name, l) -> {
            l.cancelRetry();
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
        Map<String, Unbound> u = new TreeMap<>();
        live.forEach((k, v) -> {
            if (v.listener == null) {
                u.put(k, new Unbound(v.cause, v.failures, v.nextAttempt, v.delayMillis));
            }
        });
        unbound = Map.copyOf(u);
        Map<String, RouteTable> current = new TreeMap<>();
        live.forEach((name, l) -> {
            RouteTable t = l.handler.routes();
            if (t != null) {
                current.put(name, t);
            }
        });
        tables = Collections.unmodifiableMap(current);
    }
}
