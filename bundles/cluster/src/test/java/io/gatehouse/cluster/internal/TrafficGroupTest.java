package io.gatehouse.cluster.internal;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.awaitility.Awaitility.await;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.gatehouse.api.cluster.MemberState;
import io.gatehouse.api.cluster.MemberStatus;
import io.gatehouse.api.stats.ClusterTraffic.Scope;
import io.gatehouse.api.stats.TrafficCounters;
import io.gatehouse.api.stats.TrafficReport;
import io.gatehouse.api.stats.TrafficReport.NodeAnswer;
import io.gatehouse.api.stats.TrafficSnapshot;
import io.gatehouse.api.stats.TrafficStats;
import io.gatehouse.api.stats.TrafficSummary;
import io.gatehouse.cluster.internal.stats.TrafficComponent;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

/** Statistics of a group gathered over the messaging layer: every member asked, the silent ones flagged. */
public class TrafficGroupTest {
    private TestNodes nodes;
    private final Map<String, GroupMember> members = new TreeMap<>();
    private final Map<String, TrafficComponent> components = new TreeMap<>();

    /** A node that served {@code requests} requests on server "web" (histograms are opaque: counts only). */
    static final class CountingStats implements TrafficStats {
        private final long requests;

        CountingStats(long requests) {
            this.requests = requests;
        }

        @Override
        public Map<String, io.gatehouse.api.stats.UpstreamCounters> upstreams() {
            return Map.of();
        }

        @Override
        public TrafficSnapshot snapshot() {
            return new TrafficSnapshot(Instant.EPOCH, Instant.now(), Map.of("web", new TrafficCounters(requests, 0,
                    requests, 0, 0, 0, new byte[] {7}, new byte[] {7})), Map.of());
        }

        @Override
        public TrafficSummary sum(Collection<TrafficCounters> counters) {
            long n = counters.stream().mapToLong(TrafficCounters::requests).sum();
            TrafficSummary.Latency none = new TrafficSummary.Latency(0, 0, 0, 0, 0, 0);
            return new TrafficSummary(n, 0, n, 0, 0, 0, none, none);
        }

        @Override
        public Map<String, TrafficSummary> sumByName(Collection<Map<String, TrafficCounters>> byNode) {
            Map<String, List<TrafficCounters>> grouped = new TreeMap<>();
            byNode.forEach(m -> m.forEach((k, v) -> grouped.computeIfAbsent(k, x -> new java.util.ArrayList<>()).add(v)));
            Map<String, TrafficSummary> out = new TreeMap<>();
            grouped.forEach((k, v) -> out.put(k, sum(v)));
            return out;
        }
    }

    @Before
    public void startGroup() {
        nodes = new TestNodes("traffic" + TestNodes.freePort()).ports("n1", "n2", "o1");
        long requests = 1;
        for (String[] n : new String[][] {{"n1", "voter"}, {"n2", "voter"}, {"o1", "observer"}}) {
            GroupMember m = nodes.start(n[0], n[1], "n1,n2");
            members.put(n[0], m);
            components.put(n[0], new TrafficComponent(m, new CountingStats(requests)));
            requests *= 10;
        }
        for (GroupMember m : members.values()) {
            await().atMost(20, SECONDS).until(() -> m.status().members().stream()
                    .filter(s -> s.state() == MemberState.ALIVE).count() == 3);
        }
    }

    @After
    public void stopGroup() {
        components.values().forEach(TrafficComponent::deactivate);
        nodes.close();
    }

    private static NodeAnswer answer(TrafficReport r, String name) {
        return r.nodes().stream().filter(a -> a.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    public void theGroupIsTheSumOfItsMembers() throws Exception {
        TrafficReport r = components.get("o1").collect(Scope.GROUP, Duration.ofSeconds(5)).get(10, SECONDS);
        assertEquals("group", r.scope());
        assertEquals(List.of("n1", "n2", "o1"), r.nodes().stream().map(NodeAnswer::name).toList());
        assertTrue(r.nodes().toString(), r.nodes().stream().allMatch(NodeAnswer::answered));
        assertEquals(111, r.servers().get("web").requests());
        assertEquals(3, r.snapshots().size());

        TrafficReport mine = components.get("n2").collect(Scope.NODE, Duration.ofSeconds(5)).get(10, SECONDS);
        assertEquals(List.of("n2"), mine.nodes().stream().map(NodeAnswer::name).toList());
        assertEquals(10, mine.servers().get("web").requests());
    }

    @Test
    public void aMemberThatCannotAnswerIsFlaggedAndLeftOutOfTheTotals() throws Exception {
        // o1's statistics stop (its core went away): it answers that it has no handler
        components.remove("o1").deactivate();
        TrafficReport r = components.get("n1").collect(Scope.GROUP, Duration.ofSeconds(5)).get(10, SECONDS);
        NodeAnswer o1 = answer(r, "o1");
        assertFalse(o1.answered());
        assertTrue(o1.reason(), o1.reason().contains("no handler"));
        assertEquals(11, r.servers().get("web").requests());

        // n2 is gone: once the membership says so it is flagged without being asked
        members.get("n2").kill();
        components.remove("n2");
        await().atMost(20, SECONDS).until(() -> members.get("n1").status().members().stream()
                .filter(s -> s.name().equals("n2")).map(MemberStatus::state).findFirst()
                .map(s -> s == MemberState.DEAD || s == MemberState.LEFT).orElse(true));
        long t0 = System.nanoTime();
        TrafficReport later = components.get("n1").collect(Scope.GROUP, Duration.ofSeconds(1)).get(10, SECONDS);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        NodeAnswer n2 = answer(later, "n2");
        assertFalse(n2.answered());
        assertFalse(n2.reason(), n2.reason().isEmpty());
        assertEquals(1, later.servers().get("web").requests());
        System.out.println("group statistics with a dead member and one without statistics: " + ms + " ms");
    }
}
