package io.gatehouse.api.stats;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.osgi.annotation.versioning.ProviderType;

/** This node's traffic statistics (provided by the core). Thread-safe; never blocks for long. */
@ProviderType
public interface TrafficStats {
    /** The window of {@link TrafficCounters#recentLatency()}, in seconds. */
    int RECENT_SECONDS = 60;

    /** What this node served so far. */
    TrafficSnapshot snapshot();

    /**
     * The upstream side of this node's requests, by HTTPServer name: calls, failures, upstream and gateway time.
     * Node-local (not in {@link #snapshot()}, not gathered across nodes).
     *
     * @since 1.1
     */
    Map<String, UpstreamCounters> upstreams();

    /**
     * The requests each routing rule of each HTTPServer matched on this node, since the server's rules last
     * changed, by server then rule. Node-local.
     *
     * @since 1.1
     */
    default List<RouteCounters> routes() {
        return List.of();
    }

    /**
     * Adds the counters of several nodes by name and computes their percentiles.
     *
     * @param counters counters of the same HTTPServer (or Pipeline) from several nodes
     * @throws IllegalArgumentException when a histogram cannot be decoded
     */
    TrafficSummary sum(Collection<TrafficCounters> counters);

    /** {@link #sum} for every name in a set of snapshots: by name, the counters of the nodes that have it. */
    Map<String, TrafficSummary> sumByName(Collection<Map<String, TrafficCounters>> byNode);
}
