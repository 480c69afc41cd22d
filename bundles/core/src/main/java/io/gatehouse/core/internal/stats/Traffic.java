package io.gatehouse.core.internal.stats;

import io.gatehouse.api.stats.TrafficCounters;
import io.gatehouse.api.stats.RouteCounters;
import io.gatehouse.api.stats.TrafficSnapshot;
import io.gatehouse.api.stats.UpstreamCounters;
import io.gatehouse.api.stats.TrafficStats;
import io.gatehouse.api.stats.TrafficSummary;
import java.time.Clock;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.HdrHistogram.Histogram;

/**
 * This node's traffic counters by HTTPServer and by Pipeline name (docs/statistics.md). Request paths hold
 * their server's {@link TrafficRecorder} and look their pipeline's up by name (one map read). At most
 * {@link #MAX_NAMES} names of each; requests of further names are counted under {@link #OTHER}. The owner
 * calls {@link #fold} every {@link TrafficRecorder#SLOT_SECONDS} seconds.
 */
public final class Traffic implements TrafficStats {
    /** Names kept apart per kind (servers, pipelines). */
    static final int MAX_NAMES = 10_000;
    /** Where the requests of names beyond {@link #MAX_NAMES} are counted. */
    static final String OTHER = "(other)";
    /** How often the owner calls {@link #fold}, in seconds. */
    public static final long FOLD_SECONDS = TrafficRecorder.SLOT_SECONDS;

    private final ConcurrentHashMap<String, TrafficRecorder> servers = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, TrafficRecorder> pipelines = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, UpstreamRecorder> upstreams = new ConcurrentHashMap<>();
    private final LongSupplier nanos;
    private final Clock clock;
    private final Instant since;
    private volatile AccessLog accessLog;
    /** What each routing rule matched, from the running servers (empty until the core runs). */
    private volatile Supplier<List<RouteCounters>> routes = List::of;
    /** The plugin kinds of this node, as "name version", for the snapshots. */
    private volatile Supplier<List<String>> kinds = List::of;

    public Traffic() {
        this(System::nanoTime, Clock.systemUTC());
    }

    Traffic(LongSupplier nanos, Clock clock) {
        this.nanos = nanos;
        this.clock = clock;
        this.since = clock.instant();
    }

    /** Where the snapshots read this node's plugin kinds from ("name version" each, sorted). */
    public void kinds(Supplier<List<String>> kinds) {
        this.kinds = kinds;
    }

    /** Where {@link #routes()} reads the rules' counters from. */
    public void routes(Supplier<List<RouteCounters>> routes) {
        this.routes = routes;
    }

    @Override
    public List<RouteCounters> routes() {
        return routes.get();
    }

    /** Sets the access log every request is written to (null: none). */
    public void accessLog(AccessLog log) {
        this.accessLog = log;
    }

    /** The access log, or null when it is off. */
    public AccessLog accessLog() {
        return accessLog;
    }

    /** The upstream recorder of HTTPServer {@code name} (created on first use; bounded like the names). */
    public UpstreamRecorder upstream(String name) {
        UpstreamRecorder r = upstreams.get(name);
        if (r != null) {
            return r;
        }
        return upstreams.computeIfAbsent(upstreams.size() >= MAX_NAMES ? OTHER : name, n -> new UpstreamRecorder());
    }

    @Override
    public Map<String, UpstreamCounters> upstreams() {
        Map<String, UpstreamCounters> out = new TreeMap<>();
        upstreams.forEach((name, r) -> out.put(name, r.counters()));
        return out;
    }

    /** The recorder of HTTPServer {@code name} (created on first use). */
    public TrafficRecorder server(String name) {
        return recorder(servers, name);
    }

    /** One request of HTTPServer {@code server}, routed to {@code pipeline} (or null), ended. Any thread. */
    public void ended(TrafficRecorder server, String pipeline, int status, long nanos) {
        server.record(status, nanos);
        if (pipeline != null) {
            TrafficRecorder p = pipelines.get(pipeline);
            if (p == null) {
                p = recorder(pipelines, pipeline);
            }
            p.record(status, nanos);
        }
    }

    private static TrafficRecorder recorder(ConcurrentHashMap<String, TrafficRecorder> map, String name) {
        TrafficRecorder r = map.get(name);
        if (r != null) {
            return r;
        }
        return map.computeIfAbsent(map.size() >= MAX_NAMES ? OTHER : name, n -> new TrafficRecorder());
    }

    /** Folds every recorder's latest interval into its windows. */
    public void fold() {
        long now = seconds();
        servers.values().forEach(r -> r.fold(now));
        pipelines.values().forEach(r -> r.fold(now));
    }

    private long seconds() {
        return TimeUnit.NANOSECONDS.toSeconds(nanos.getAsLong());
    }

    @Override
    public TrafficSnapshot snapshot() {
        long now = seconds();
        return new TrafficSnapshot(since, clock.instant(), counters(servers, now), counters(pipelines, now),
                kinds.get());
    }

    private static Map<String, TrafficCounters> counters(Map<String, TrafficRecorder> map, long now) {
        Map<String, TrafficCounters> out = new TreeMap<>();
        map.forEach((name, r) -> out.put(name, r.counters(now)));
        return out;
    }

    @Override
    public TrafficSummary sum(Collection<TrafficCounters> counters) {
        long requests = 0;
        long[] c = new long[5];
        Histogram total = TrafficRecorder.histogram();
        Histogram recent = TrafficRecorder.histogram();
        for (TrafficCounters t : counters) {
            requests += t.requests();
            c[0] += t.status1xx();
            c[1] += t.status2xx();
            c[2] += t.status3xx();
            c[3] += t.status4xx();
            c[4] += t.status5xx();
            total.add(TrafficRecorder.decode(t.latency()));
            recent.add(TrafficRecorder.decode(t.recentLatency()));
        }
        return new TrafficSummary(requests, c[0], c[1], c[2], c[3], c[4], latency(total), latency(recent));
    }

    @Override
    public Map<String, TrafficSummary> sumByName(Collection<Map<String, TrafficCounters>> byNode) {
        Map<String, java.util.List<TrafficCounters>> grouped = new TreeMap<>();
        for (Map<String, TrafficCounters> node : byNode) {
            node.forEach((name, t) -> grouped.computeIfAbsent(name, n -> new java.util.ArrayList<>()).add(t));
        }
        Map<String, TrafficSummary> out = new TreeMap<>();
        grouped.forEach((name, list) -> out.put(name, sum(list)));
        return out;
    }

    private static TrafficSummary.Latency latency(Histogram h) {
        if (h.getTotalCount() == 0) {
            return new TrafficSummary.Latency(0, 0, 0, 0, 0, 0);
        }
        return new TrafficSummary.Latency(h.getTotalCount(), ms(h.getMean()), ms(h.getValueAtPercentile(50)),
                ms(h.getValueAtPercentile(90)), ms(h.getValueAtPercentile(99)), ms(h.getMaxValue()));
    }

    private static double ms(double micros) {
        return Math.round(micros) / 1000.0;
    }
}
