package io.gatehouse.api.stats;

import java.util.List;
import java.util.Map;

/**
 * Traffic of a node, a group or the whole cluster: the nodes asked, which answered, and the totals of those
 * that did. A node that did not answer within the deadline is listed with the reason and left out of the
 * totals (never waited for beyond the deadline).
 *
 * @param scope     {@code node}, {@code group} or {@code cluster}
 * @param nodes     every node asked, in name order
 * @param servers   totals by HTTPServer name over the nodes that answered
 * @param pipelines totals by Pipeline name over the nodes that answered
 * @param snapshots the counters of each node that answered, by node name (what the totals were added from;
 *                  another group's report is merged from these)
 */
public record TrafficReport(String scope, List<NodeAnswer> nodes, Map<String, TrafficSummary> servers,
                            Map<String, TrafficSummary> pipelines, Map<String, TrafficSnapshot> snapshots) {
    public TrafficReport {
        nodes = List.copyOf(nodes);
        servers = Map.copyOf(servers);
        pipelines = Map.copyOf(pipelines);
        snapshots = Map.copyOf(snapshots);
    }

    /**
     * One node asked for its counters.
     *
     * @param name     node name
     * @param group    its group
     * @param answered whether its counters are in the totals
     * @param reason   why not (empty when it answered)
     * @param since    when its counters started (null when it did not answer)
     */
    public record NodeAnswer(String name, String group, boolean answered, String reason, java.time.Instant since) {
    }
}
