package io.gatehouse.api.stats;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One node's traffic counters at one instant.
 *
 * @param since     when the counters started (the core's activation)
 * @param at        when this snapshot was taken
 * @param servers   by HTTPServer name (servers that served at least one request, or are configured)
 * @param pipelines by Pipeline name (pipelines that ran at least once, or are configured)
 * @param kinds     the plugin kinds registered on the node, each as {@code "name version"}, sorted (since 1.1;
 *                  empty from a node that does not say)
 */
public record TrafficSnapshot(Instant since, Instant at, Map<String, TrafficCounters> servers,
                              Map<String, TrafficCounters> pipelines, List<String> kinds) {
    public TrafficSnapshot {
        servers = Map.copyOf(servers);
        pipelines = Map.copyOf(pipelines);
        kinds = List.copyOf(kinds);
    }

    /** A snapshot that does not say which plugin kinds the node has (before 1.1). */
    public TrafficSnapshot(Instant since, Instant at, Map<String, TrafficCounters> servers,
                           Map<String, TrafficCounters> pipelines) {
        this(since, at, servers, pipelines, List.of());
    }
}
