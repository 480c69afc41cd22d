package io.gatehouse.api.stats;

import java.time.Instant;
import java.util.Map;

/**
 * One node's traffic counters at one instant.
 *
 * @param since     when the counters started (the core's activation)
 * @param at        when this snapshot was taken
 * @param servers   by HTTPServer name (servers that served at least one request, or are configured)
 * @param pipelines by Pipeline name (pipelines that ran at least once, or are configured)
 */
public record TrafficSnapshot(Instant since, Instant at, Map<String, TrafficCounters> servers,
                              Map<String, TrafficCounters> pipelines) {
    public TrafficSnapshot {
        servers = Map.copyOf(servers);
        pipelines = Map.copyOf(pipelines);
    }
}
