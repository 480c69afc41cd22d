package io.gatehouse.admin.internal;

import io.gatehouse.api.config.ConfigException;
import io.gatehouse.api.stats.ClusterTraffic;
import io.gatehouse.api.stats.TrafficJson;
import io.gatehouse.api.stats.TrafficReport;
import io.gatehouse.api.stats.TrafficSnapshot;
import io.gatehouse.api.stats.TrafficStats;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * {@code GET /api/v1/stats[?scope=node|group|cluster&timeout=&snapshots=true]} (docs/statistics.md): the
 * traffic of this node, its group or the cluster, gathered by the cluster's {@link ClusterTraffic}; without
 * a cluster service only {@code scope=node} is served, from the core's {@link TrafficStats}. Nodes that do
 * not answer within {@code timeout} (default 2s, 100ms..30s) are flagged in {@code nodes}, not waited for.
 */
final class StatsEndpoints {
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);
    static final Duration MIN_TIMEOUT = Duration.ofMillis(100);
    static final Duration MAX_TIMEOUT = Duration.ofSeconds(30);

    private final Supplier<TrafficStats> stats;
    private final Supplier<ClusterTraffic> cluster;
    private final Supplier<String> nodeName;

    StatsEndpoints(Supplier<TrafficStats> stats, Supplier<ClusterTraffic> cluster, Supplier<String> nodeName) {
        this.stats = stats;
        this.cluster = cluster;
        this.nodeName = nodeName;
    }

    void register(Router router) {
        router.async("GET", "/api/v1/stats", Set.of("scope", "timeout", "snapshots"), this::stats);
    }

    private CompletionStage<ApiResponse> stats(ApiRequest request) throws ConfigException {
        ClusterTraffic.Scope scope = scope(request.query("scope"));
        Duration timeout = request.timeout(DEFAULT_TIMEOUT, MIN_TIMEOUT, MAX_TIMEOUT);
        String s = request.query("snapshots");
        if (s != null && !s.equals("true") && !s.equals("false")) {
            throw new ApiException(400, ConfigException.INVALID, "query parameter 'snapshots': true or false, found '"
                    + s + "'");
        }
        boolean withSnapshots = "true".equals(s);
        TrafficStats local = stats.get();
        if (local == null) {
            throw new ApiException(503, "unavailable", "the traffic statistics are not running (the core is stopped)");
        }
        ClusterTraffic c = cluster.get();
        if (c != null) {
            return c.collect(scope, timeout).thenApply(r -> ApiResponse.ok(TrafficJson.report(r, withSnapshots)));
        }
        if (scope != ClusterTraffic.Scope.NODE) {
            throw new ApiException(503, "unavailable", "scope=" + scope.name().toLowerCase(Locale.ROOT)
                    + " needs the cluster service, which is not running on this node; scope=node works");
        }
        TrafficSnapshot mine = local.snapshot();
        String name = nodeName.get();
        TrafficReport r = new TrafficReport("node", List.of(new TrafficReport.NodeAnswer(name, "default", true, "",
                mine.since())), local.sumByName(List.of(mine.servers())), local.sumByName(List.of(mine.pipelines())),
                Map.of(name, mine));
        return CompletableFuture.completedFuture(ApiResponse.ok(TrafficJson.report(r, withSnapshots)));
    }

    private static ClusterTraffic.Scope scope(String value) {
        if (value == null) {
            return ClusterTraffic.Scope.NODE;
        }
        return switch (value) {
            case "node" -> ClusterTraffic.Scope.NODE;
            case "group" -> ClusterTraffic.Scope.GROUP;
            case "cluster" -> ClusterTraffic.Scope.CLUSTER;
            default -> throw new ApiException(400, ConfigException.INVALID,
                    "query parameter 'scope': node, group or cluster, found '" + value + "'");
        };
    }
}
