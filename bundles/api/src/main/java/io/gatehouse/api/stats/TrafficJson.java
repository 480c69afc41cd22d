package io.gatehouse.api.stats;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The JSON form of the statistics (docs/statistics.md): what {@code GET /api/v1/stats} answers, and what nodes
 * exchange (a node's snapshot, with its histograms in base64). Stateless.
 */
public final class TrafficJson {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private TrafficJson() {
    }

    /** A report; with {@code withSnapshots}, each answering node's raw counters too. */
    public static ObjectNode report(TrafficReport r, boolean withSnapshots) {
        ObjectNode root = F.objectNode();
        root.put("scope", r.scope());
        var nodes = root.putArray("nodes");
        for (TrafficReport.NodeAnswer a : r.nodes()) {
            ObjectNode n = nodes.addObject();
            n.put("name", a.name());
            n.put("group", a.group());
            n.put("answered", a.answered());
            if (!a.answered()) {
                n.put("reason", a.reason());
            }
            if (a.since() != null) {
                n.put("since", a.since().toString());
            }
        }
        summaries(root.putObject("servers"), r.servers());
        summaries(root.putObject("pipelines"), r.pipelines());
        if (withSnapshots) {
            ObjectNode s = root.putObject("snapshots");
            r.snapshots().forEach((node, snap) -> s.set(node, snapshot(snap)));
        }
        return root;
    }

    private static void summaries(ObjectNode into, Map<String, TrafficSummary> map) {
        map.forEach((name, t) -> {
            ObjectNode n = into.putObject(name);
            n.put("requests", t.requests());
            ObjectNode status = n.putObject("status");
            status.put("1xx", t.status1xx());
            status.put("2xx", t.status2xx());
            status.put("3xx", t.status3xx());
            status.put("4xx", t.status4xx());
            status.put("5xx", t.status5xx());
            latency(n.putObject("latencyMs"), t.latency());
            latency(n.putObject("recentLatencyMs"), t.recent());
        });
    }

    private static void latency(ObjectNode n, TrafficSummary.Latency l) {
        n.put("count", l.count());
        n.put("mean", l.mean());
        n.put("p50", l.p50());
        n.put("p90", l.p90());
        n.put("p99", l.p99());
        n.put("max", l.max());
    }

    /** One node's raw counters. */
    public static ObjectNode snapshot(TrafficSnapshot s) {
        ObjectNode root = F.objectNode();
        root.put("since", s.since().toEpochMilli());
        root.put("at", s.at().toEpochMilli());
        counters(root.putObject("servers"), s.servers());
        counters(root.putObject("pipelines"), s.pipelines());
        s.kinds().forEach(root.putArray("kinds")::add);
        return root;
    }

    private static void counters(ObjectNode into, Map<String, TrafficCounters> map) {
        map.forEach((name, c) -> {
            ObjectNode n = into.putObject(name);
            n.put("requests", c.requests());
            n.putArray("status").add(c.status1xx()).add(c.status2xx()).add(c.status3xx()).add(c.status4xx())
                    .add(c.status5xx());
            n.put("latency", c.latency());
            n.put("recentLatency", c.recentLatency());
        });
    }

    /** Reads what {@link #snapshot(TrafficSnapshot)} wrote. @throws IOException naming what is wrong */
    public static TrafficSnapshot snapshot(JsonNode root) throws IOException {
        if (root == null || !root.path("since").isNumber() || !root.path("at").isNumber()) {
            throw new IOException("not a statistics snapshot");
        }
        List<String> kinds = new java.util.ArrayList<>();
        root.path("kinds").forEach(k -> kinds.add(k.asText()));
        return new TrafficSnapshot(Instant.ofEpochMilli(root.get("since").asLong()),
                Instant.ofEpochMilli(root.get("at").asLong()), counters(root.path("servers")),
                counters(root.path("pipelines")), kinds);
    }

    private static Map<String, TrafficCounters> counters(JsonNode node) throws IOException {
        Map<String, TrafficCounters> out = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode c = e.getValue();
            JsonNode status = c.path("status");
            if (!c.path("requests").isNumber() || status.size() != 5 || !c.path("latency").isTextual()
                    || !c.path("recentLatency").isTextual()) {
                throw new IOException("counters of '" + e.getKey() + "' are incomplete");
            }
            out.put(e.getKey(), new TrafficCounters(c.get("requests").asLong(), status.get(0).asLong(),
                    status.get(1).asLong(), status.get(2).asLong(), status.get(3).asLong(), status.get(4).asLong(),
                    c.get("latency").binaryValue(), c.get("recentLatency").binaryValue()));
        }
        return out;
    }

    /**
     * The nodes and raw counters of a report written with snapshots (another group's answer): its answers and
     * snapshots, without the totals (recomputed by whoever merges). @throws IOException naming what is wrong
     */
    public static TrafficReport reportWithSnapshots(JsonNode root) throws IOException {
        if (root == null || !root.path("nodes").isArray() || !root.path("snapshots").isObject()) {
            throw new IOException("not a statistics report with snapshots");
        }
        List<TrafficReport.NodeAnswer> nodes = new ArrayList<>();
        for (JsonNode n : root.get("nodes")) {
            String since = n.path("since").asText("");
            nodes.add(new TrafficReport.NodeAnswer(n.path("name").asText(), n.path("group").asText(),
                    n.path("answered").asBoolean(), n.path("reason").asText(""),
                    since.isEmpty() ? null : Instant.parse(since)));
        }
        Map<String, TrafficSnapshot> snapshots = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.get("snapshots").fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            snapshots.put(e.getKey(), snapshot(e.getValue()));
        }
        return new TrafficReport(root.path("scope").asText(""), nodes, Map.of(), Map.of(), snapshots);
    }
}
