package io.gatehouse.admin.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.gatehouse.api.stats.ClusterTraffic;
import io.gatehouse.api.stats.TrafficCounters;
import io.gatehouse.api.stats.TrafficReport;
import io.gatehouse.api.stats.TrafficSnapshot;
import io.gatehouse.api.stats.TrafficStats;
import io.gatehouse.api.stats.TrafficSummary;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.Test;

/** {@code GET /api/v1/stats}: scopes, the flagged nodes, bad parameters, no statistics service. */
public class StatsApiTest extends AdminApiTestSupport {
    private static final Instant SINCE = Instant.parse("2026-12-03T10:00:00Z");
    private static final TrafficSummary WEB = new TrafficSummary(10, 0, 9, 0, 0, 1,
            new TrafficSummary.Latency(10, 2.5, 2.0, 4.0, 9.0, 9.5), new TrafficSummary.Latency(3, 1, 1, 1, 1, 1));

    /** Counters of one server "web" (histograms are opaque here: the summary is fixed). */
    static final class FakeStats implements TrafficStats {
        @Override
        public Map<String, io.gatehouse.api.stats.UpstreamCounters> upstreams() {
            return Map.of();
        }

        @Override
        public TrafficSnapshot snapshot() {
            return new TrafficSnapshot(SINCE, SINCE.plusSeconds(5), Map.of("web", new TrafficCounters(10, 0, 9, 0, 0,
                    1, new byte[] {1}, new byte[] {2})), Map.of());
        }

        @Override
        public TrafficSummary sum(Collection<TrafficCounters> counters) {
            return WEB;
        }

        @Override
        public Map<String, TrafficSummary> sumByName(Collection<Map<String, TrafficCounters>> byNode) {
            return byNode.stream().anyMatch(m -> m.containsKey("web")) ? Map.of("web", WEB) : Map.of();
        }
    }

    @Test
    public void aNodeWithoutClusterServiceServesItsOwnCounters() throws Exception {
        server.traffic(new FakeStats(), null);
        HttpResponse<String> r = get("/api/v1/stats");
        assertEquals(r.body(), 200, r.statusCode());
        JsonNode s = json(r);
        assertEquals("node", s.get("scope").asText());
        assertEquals(1, s.get("nodes").size());
        assertTrue(s.at("/nodes/0/answered").asBoolean());
        assertEquals(SINCE.toString(), s.at("/nodes/0/since").asText());
        assertEquals(10, s.at("/servers/web/requests").asLong());
        assertEquals(1, s.at("/servers/web/status/5xx").asLong());
        assertEquals(9.0, s.at("/servers/web/latencyMs/p99").asDouble(), 0);
        assertEquals(3, s.at("/servers/web/recentLatencyMs/count").asLong());
        assertTrue("no raw counters unless asked", s.path("snapshots").isMissingNode());

        JsonNode raw = json(get("/api/v1/stats?scope=node&snapshots=true"));
        assertEquals("AQ==", raw.at("/snapshots/standalone/servers/web/latency").asText());

        HttpResponse<String> group = get("/api/v1/stats?scope=group");
        assertEquals(503, group.statusCode());
        assertTrue(group.body(), json(group).get("message").asText().contains("scope=node works"));
    }

    @Test
    public void theClusterServiceGathersAndFlagsTheNodesThatDidNotAnswer() throws Exception {
        Duration[] asked = new Duration[1];
        ClusterTraffic.Scope[] scopes = new ClusterTraffic.Scope[1];
        server.traffic(new FakeStats(), (scope, deadline) -> {
            asked[0] = deadline;
            scopes[0] = scope;
            return CompletableFuture.completedFuture(new TrafficReport("group", List.of(
                    new TrafficReport.NodeAnswer("a", "eu", true, "", SINCE),
                    new TrafficReport.NodeAnswer("b", "eu", false, "stats.node to b: no answer within 500 ms", null)),
                    Map.of("web", WEB), Map.of(), Map.of()));
        });
        JsonNode s = json(get("/api/v1/stats?scope=group&timeout=500ms"));
        assertEquals(ClusterTraffic.Scope.GROUP, scopes[0]);
        assertEquals(Duration.ofMillis(500), asked[0]);
        assertEquals("group", s.get("scope").asText());
        assertFalse(s.at("/nodes/1/answered").asBoolean());
        assertEquals("stats.node to b: no answer within 500 ms", s.at("/nodes/1/reason").asText());
        assertTrue(s.at("/nodes/1/since").isMissingNode());
        assertEquals(10, s.at("/servers/web/requests").asLong());
    }

    @Test
    public void badParametersAre400NamingTheParameter() throws Exception {
        server.traffic(new FakeStats(), null);
        for (String q : List.of("scope=planet", "timeout=1h", "timeout=fast", "snapshots=yes", "scope=node&x=1")) {
            HttpResponse<String> r = get("/api/v1/stats?" + q);
            assertEquals(q + ": " + r.body(), 400, r.statusCode());
        }
        assertTrue(json(get("/api/v1/stats?scope=planet")).get("message").asText().contains("'scope'"));
        assertTrue(json(get("/api/v1/stats?timeout=1h")).get("message").asText().contains("'timeout'"));
    }

    @Test
    public void withoutTheCoreThereAreNoStatistics() throws Exception {
        server.traffic(null, null);
        HttpResponse<String> r = get("/api/v1/stats");
        assertEquals(503, r.statusCode());
        assertTrue(r.body(), json(r).get("message").asText().contains("not running"));
    }
}
