package io.gatehouse.itests;

import static org.awaitility.Awaitility.await;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * Two groups as real processes, {@code a} and {@code b}, three voters each (docs/cluster.md, "Writes to another
 * group"); the harness gives every node the other group's admin addresses ({@code groups.<name>}).
 * <ol>
 *   <li>A write sent to a node of {@code a} with {@code ?group=b} lands on every node of {@code b} and on none
 *       of {@code a}; retried with the same Idempotency-Key through another node of {@code a}, it is answered
 *       with the same revision and not applied again.</li>
 *   <li>kill -9 of two voters of {@code a} (the leader among them): {@code a} has no majority. Writes to
 *       {@code b}, sent to {@code b} directly and forwarded by {@code a}'s surviving node, still succeed;
 *       {@code b}'s nodes keep serving their demo servers; a write to {@code a} answers 503 with the reason,
 *       the same through a node of {@code b} as on the survivor itself; the survivor still serves traffic.
 *       The latency of writes to {@code b} before and during {@code a}'s outage is measured and printed.</li>
 *   <li>The survivor killed too: a write for {@code a} through a node of {@code b} answers 503 at once, naming
 *       every address of {@code a} it tried; {@code b} keeps serving.</li>
 * </ol>
 * Only Pipelines are written (no port to bind). Deadlines are generous: six nodes share two cores with other
 * builds.
 */
public class TwoGroupsIT {
    private static final List<String> A = List.of("a1", "a2", "a3");
    private static final List<String> B = List.of("b1", "b2", "b3");
    private static final Duration READY = Duration.ofSeconds(240);
    private static final Duration CATCH_UP = Duration.ofSeconds(60);
    /** The {@code ?timeout=} of every write: the machine is slow, the point is the outcome, not the speed. */
    private static final String WRITE_TIMEOUT = "20s";
    private static final int SAMPLES = 5;

    private static ClusterHarness cluster;
    private final ObjectMapper json = new ObjectMapper();
    private final Http http = new Http(Duration.ofSeconds(40));

    @BeforeClass
    public static void startCluster() throws Exception {
        cluster = ClusterHarness.started(new ClusterLayout().group("a", A, List.of()).group("b", B, List.of()));
    }

    @AfterClass
    public static void stopCluster() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    public void writesCrossGroupsAndGroupBKeepsWritingWhileGroupAHasNoMajority() throws Exception {
        List<String> all = cluster.names();
        long t0 = System.nanoTime();
        cluster.awaitWritable(all, READY);
        List<String> report = new ArrayList<>(List.of("both groups ready " + ms(t0) + " ms after the nodes answered"));
        for (String name : all) {
            String expected = A.contains(name) ? "a" : "b";
            String config = java.nio.file.Files.readString(cluster.node(name).home()
                    .resolve("etc/io.gatehouse.cluster.cfg"));
            assertTrue(name + " knows the other group's admin addresses:\n" + config,
                    config.contains("groups." + (expected.equals("a") ? "b" : "a") + " = 127.0.0.1:"));
        }
        // each group's leader writes its own embedded default; b's demo server runs on every node of b
        for (String name : all) {
            ClusterNode node = cluster.node(name);
            await(name + " serves its group's demo server").atMost(CATCH_UP).pollInterval(Duration.ofMillis(250))
                    .until(() -> http.status(node.demoUrl() + "/") == 200);
        }

        // 1. a write sent to a node of a for group b lands on every node of b, on none of a
        HttpResponse<String> first = write("a1", "b", "cross-1", "cross-1");
        assertEquals(first.body(), 200, first.statusCode());
        JsonNode written = json.readTree(first.body()).get(0);
        assertEquals(first.body(), "created", written.path("change").asText());
        assertTrue(first.body(), written.path("status").path("reason").asText().contains("group 'b' serves it"));
        long revision = written.path("revision").asLong();
        cluster.awaitApplied(B, revision, CATCH_UP);
        assertOnlyOn(B, "cross-1", revision);
        // a retry with the same Idempotency-Key, through another node of a, is answered once, not applied again
        long appliedBefore = cluster.appliedIndex(cluster.leaderOf("b1"));
        HttpResponse<String> retry = write("a2", "b", "cross-1", "cross-1");
        assertEquals(retry.body(), 200, retry.statusCode());
        assertEquals(revision, json.readTree(retry.body()).get(0).path("revision").asLong());
        assertEquals("the retry appended nothing", appliedBefore, cluster.appliedIndex(cluster.leaderOf("b1")));
        // the statistics of the whole cluster, asked on a node of a: b's report comes over HTTP with a GET signed
        // with the cluster secret (no user token crosses groups), and names every node of b as answered, each
        // with the plugin kinds it runs (the console's kinds-per-node view)
        await("a1's cluster statistics include every node of b").atMost(CATCH_UP).pollInterval(Duration.ofSeconds(1))
                .until(() -> {
                    JsonNode stats = json.readTree(http.get(cluster.node("a1").adminUrl()
                            + "/api/v1/stats?scope=cluster&timeout=5s&snapshots=true").body());
                    Set<String> answered = new HashSet<>();
                    stats.path("nodes").forEach(n -> {
                        if (n.path("answered").asBoolean()
                                && stats.path("snapshots").path(n.path("name").asText()).path("kinds").toString()
                                        .contains("\"mock ")) {
                            answered.add(n.path("name").asText());
                        }
                    });
                    return answered.containsAll(B);
                });
        // a group nobody configured: 503 naming it
        HttpResponse<String> unknown = write("a1", "nowhere", "lost", "lost");
        assertEquals(unknown.body(), 503, unknown.statusCode());
        assertTrue(unknown.body(), unknown.body().contains("unknown group 'nowhere'"));

        // latency of writes to b before a's outage: sent to b's leader and to a follower of b, and forwarded by a
        // node of a
        String leaderB = cluster.leaderOf("b1");
        assertTrue("b has a leader: " + leaderB, B.contains(leaderB));
        String followerB = B.stream().filter(n -> !n.equals(leaderB)).findFirst().orElseThrow();
        List<Long> leaderBefore = timedWrites(leaderB, null, "before-leader");
        List<Long> followerBefore = timedWrites(followerB, null, "before-follower");
        List<Long> forwardedBefore = timedWrites("a3", "b", "before-forwarded");

        // 2. kill -9 two voters of a, its leader among them: a has no majority any more
        String leaderA = cluster.leaderOf("a1");
        assertTrue("a has a leader: " + leaderA, A.contains(leaderA));
        String survivor = A.stream().filter(n -> !n.equals(leaderA)).findFirst().orElseThrow();
        List<String> killed = A.stream().filter(n -> !n.equals(survivor)).toList();
        for (String name : killed) {
            cluster.kill(name);
        }
        long killedAt = System.nanoTime();

        // a write to a answers 503 with the reason, once the survivor has noticed (it may time out before)
        AtomicReference<HttpResponse<String>> refusedA = new AtomicReference<>();
        List<Integer> statuses = Collections.synchronizedList(new ArrayList<>());
        await("a write to group a through " + survivor + " is refused with 503").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(500)).until(() -> {
                    HttpResponse<String> r = write(survivor, null, "a-during-outage", "a-during-outage", "2s");
                    statuses.add(r.statusCode());
                    refusedA.set(r);
                    return r.statusCode() == 503;
                });
        long refusedAfter = ms(killedAt);
        JsonNode refusal = json.readTree(refusedA.get().body());
        assertEquals("unavailable", refusal.path("error").asText());
        String reason = refusal.path("message").asText();
        assertTrue(reason, reason.startsWith("the write cannot be committed now ("));
        // the same refusal through a node of b (forwarded to a's addresses: two refuse connections, the survivor
        // answers for its group)
        HttpResponse<String> viaB = write("b1", "a", "a-during-outage", "a-during-outage", "5s");
        assertEquals(viaB.body(), 503, viaB.statusCode());
        String reasonViaB = json.readTree(viaB.body()).path("message").asText();
        assertTrue(reasonViaB, reasonViaB.startsWith("the write cannot be committed now ("));
        JsonNode viewOfSurvivor = json.readTree(cluster.get(survivor, "/cluster").body());

        // writes to b still succeed: directly, and forwarded by a's survivor
        List<Long> leaderDuring = timedWrites(leaderB, null, "during-leader");
        List<Long> followerDuring = timedWrites(followerB, null, "during-follower");
        List<Long> forwardedDuring = timedWrites(survivor, "b", "during-forwarded");
        assertEquals("b kept its leader", leaderB, cluster.leaderOf("b1"));
        long last = cluster.appliedIndex(cluster.leaderOf("b1"));
        cluster.awaitApplied(B, last, CATCH_UP);
        for (int i = 0; i < SAMPLES; i++) {
            for (String name : List.of("during-leader-" + i, "during-follower-" + i, "during-forwarded-" + i)) {
                for (String node : B) {
                    assertEquals(node + " has " + name, 200, cluster.get(node, "/objects/Pipeline/" + name).statusCode());
                }
                assertEquals(survivor + " does not have " + name, 404,
                        cluster.get(survivor, "/objects/Pipeline/" + name).statusCode());
            }
        }
        // b's data plane keeps serving, and so does a's survivor (its last applied configuration)
        for (String name : B) {
            assertEquals(name + " serves its demo server", 200, http.status(cluster.node(name).demoUrl() + "/"));
        }
        assertEquals(survivor + " still serves traffic", 200, http.status(cluster.node(survivor).demoUrl() + "/"));
        assertTrue("a's survivor says it is stale: " + viewOfSurvivor, viewOfSurvivor.path("stale").asBoolean());

        // 3. no node of a left: a write for a through b is refused at once, naming every address it tried
        cluster.kill(survivor);
        long t1 = System.nanoTime();
        HttpResponse<String> none = write("b2", "a", "a-gone", "a-gone", "5s");
        long noneMillis = ms(t1);
        assertEquals(none.body(), 503, none.statusCode());
        String noneReason = json.readTree(none.body()).path("message").asText();
        assertTrue(noneReason, noneReason.contains("no node of group 'a' took the write (tried "));
        for (String name : A) {
            assertTrue(noneReason, noneReason.contains("127.0.0.1:" + cluster.node(name).adminPort() + ": "));
        }
        for (String name : B) {
            assertEquals(name + " serves its demo server", 200, http.status(cluster.node(name).demoUrl() + "/"));
        }

        report.add("a write to a (timeout 2s) on survivor " + survivor + " answered 503 " + refusedAfter
                + " ms after kill -9 of " + killed + " (statuses until then " + statuses + "): " + reason);
        report.add("the same write through b1: 503 " + reasonViaB);
        report.add("writes to b sent to b's leader " + leaderB + " before a's outage: " + summary(leaderBefore)
                + "; during: " + summary(leaderDuring));
        report.add("writes to b sent to b's follower " + followerB + " (it answers once it has applied the write) "
                + "before a's outage: " + summary(followerBefore) + "; during: " + summary(followerDuring));
        report.add("writes to b forwarded by a node of a before a's outage: " + summary(forwardedBefore)
                + "; during (by survivor " + survivor + "): " + summary(forwardedDuring));
        report.add("every node of a killed: a write for a through b2 answered 503 in " + noneMillis + " ms: "
                + noneReason);
        System.out.println("TwoGroupsIT: " + String.join("\nTwoGroupsIT: ", report));
        for (String name : all) {
            assertEquals(name + " booted without a service cycle", List.of(), cluster.logLines(name, "resulted in a cycle"));
        }
    }

    /** {@link #SAMPLES} writes to group {@code b} through {@code node}, each timed; each must succeed. */
    private List<Long> timedWrites(String node, String group, String prefix) throws Exception {
        List<Long> millis = new ArrayList<>();
        for (int i = 0; i < SAMPLES; i++) {
            String name = prefix + "-" + i;
            long t0 = System.nanoTime();
            HttpResponse<String> r = write(node, group, name, name);
            millis.add(ms(t0));
            assertEquals(node + " " + name + ": " + r.body(), 200, r.statusCode());
            assertEquals(r.body(), "created", json.readTree(r.body()).get(0).path("change").asText());
        }
        return millis;
    }

    /** The object is on every node of {@code nodes} with {@code revision}, and on no node of the other group. */
    private void assertOnlyOn(List<String> nodes, String name, long revision) throws Exception {
        for (String node : cluster.names()) {
            HttpResponse<String> r = cluster.get(node, "/objects/Pipeline/" + name);
            if (nodes.contains(node)) {
                assertEquals(node + ": " + r.body(), 200, r.statusCode());
                assertEquals(node, revision, json.readTree(r.body()).path("revision").asLong());
            } else {
                assertEquals(node + " (other group): " + r.body(), 404, r.statusCode());
            }
        }
    }

    private HttpResponse<String> write(String node, String group, String name, String key) throws Exception {
        return write(node, group, name, key, WRITE_TIMEOUT);
    }

    /** POST /api/v1/apply of a Pipeline through {@code node}, for {@code group} (null: the node's own). */
    private HttpResponse<String> write(String node, String group, String name, String key, String timeout)
            throws IOException, InterruptedException {
        String url = cluster.node(node).adminUrl() + "/api/v1/apply?timeout=" + timeout
                + (group == null ? "" : "&group=" + group);
        return http.send("POST", url, "application/yaml", pipeline(name), Map.of("Idempotency-Key", key));
    }

    private static String pipeline(String name) {
        return """
                kind: Pipeline
                name: %s
                spec:
                  plugins:
                    - name: answer
                      kind: mock
                      spec:
                        body: "%s\\n"
                """.formatted(name, name);
    }

    private static String summary(List<Long> millis) {
        List<Long> sorted = new ArrayList<>(millis);
        Collections.sort(sorted);
        return sorted.size() + " writes, p50 " + sorted.get(sorted.size() / 2) + " ms, max "
                + sorted.get(sorted.size() - 1) + " ms " + millis;
    }

    private static long ms(long since) {
        return (System.nanoTime() - since) / 1_000_000;
    }
}
