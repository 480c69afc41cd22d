package io.gatehouse.itests;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.awaitility.Awaitility.await;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.Test;

/**
 * The end-to-end form of the store crash test: a client applies objects over the admin API in a loop (PUTs
 * of new pipelines, a DELETE after every third), records every write answered 2xx with its revision, and
 * the gateway process is killed with SIGKILL at random moments while it does. After every restart each
 * acknowledged write must be there: an acknowledged PUT with its revision, an acknowledged DELETE as 404.
 * Only the one request in flight at the kill may have gone either way.
 */
public class GatewayCrashIT {
    private static final int KILLS = 3;

    private final Http http = new Http();
    private final ObjectMapper json = new ObjectMapper();

    @Test
    public void everyAcknowledgedWriteSurvivesKill9() throws Exception {
        long seed = Long.getLong("gatehouse.crash.seed", System.nanoTime());
        Random random = new Random(seed);
        Path parent = Paths.get(System.getProperty("project.build.directory", "target"), "crash-it-" + System.nanoTime());
        int adminPort = Ports.free();
        String admin = "http://127.0.0.1:" + adminPort + "/api/v1";
        // name -> acknowledged revision of its PUT, or -1 once its DELETE was acknowledged
        Map<String, Long> acknowledged = new LinkedHashMap<>();
        Set<String> inDoubt = new HashSet<>();
        Deque<String> live = new ArrayDeque<>();
        AtomicInteger counter = new AtomicInteger();
        int writes = 0;
        ExecutorService client = Executors.newSingleThreadExecutor();
        ScheduledExecutorService killer = Executors.newSingleThreadScheduledExecutor();
        try (KarafProcess karaf = KarafProcess.unpack(parent, adminPort)) {
            // Snapshots (and the compaction of the log) every 10 entries instead of 100.
            karaf.setProperty("etc/io.gatehouse.core.cfg", "snapshotEvery", "10");
            karaf.start();
            awaitAdmin(admin, karaf);
            for (int kill = 1; kill <= KILLS; kill++) {
                AtomicReference<String> inFlight = new AtomicReference<>();
                Future<Integer> loop = client.submit(() -> writeLoop(admin, counter, live, acknowledged, inFlight));
                int roundStart = snapshotSize(acknowledged);
                // Kill at a random moment once this round has some acknowledged writes.
                await().atMost(60, SECONDS).until(() -> snapshotSize(acknowledged) >= roundStart + 5
                        || loop.isDone());
                Future<?> killed = killer.schedule(() -> {
                    karaf.kill();
                    return null;
                }, 200 + random.nextInt(2_500), TimeUnit.MILLISECONDS);
                // The loop ends with the failed request the kill causes.
                writes += loop.get(60, SECONDS);
                killed.get(60, SECONDS);
                if (inFlight.get() != null) {
                    inDoubt.add(inFlight.get());
                    // Not deleted again: a DELETE in doubt may have happened (then a second one is a 404).
                    live.remove(inFlight.get());
                }
                karaf.start();
                awaitAdmin(admin, karaf);
                check(admin, acknowledged, inDoubt, "kill " + kill + " (seed " + seed + ")");
            }
        } finally {
            client.shutdownNow();
            killer.shutdownNow();
            assertTrue(client.awaitTermination(30, SECONDS) && killer.awaitTermination(30, SECONDS));
        }
        System.out.println("GatewayCrashIT: " + KILLS + " kills, " + writes + " acknowledged writes ("
                + acknowledged.values().stream().filter(r -> r < 0).count() + " deletes), " + inDoubt.size()
                + " in flight at a kill; seed " + seed);
        assertTrue("nothing was written: " + writes, writes > KILLS * 5);
    }

    private static int snapshotSize(Map<String, Long> acknowledged) {
        synchronized (acknowledged) {
            return acknowledged.size();
        }
    }

    /**
     * PUTs new pipelines and DELETEs the oldest after every third, until a request fails because the gateway
     * is gone; {@code inFlight} names the object of the request under way (null between requests).
     */
    private int writeLoop(String admin, AtomicInteger counter, Deque<String> live, Map<String, Long> acknowledged,
                          AtomicReference<String> inFlight) throws InterruptedException, IOException {
        int done = 0;
        while (true) {
            int n = counter.incrementAndGet();
            boolean delete = n % 4 == 0 && !live.isEmpty();
            String name = delete ? live.peekFirst() : "crash-" + n;
            inFlight.set(name);
            HttpResponse<String> r;
            try {
                r = delete ? http.send("DELETE", admin + "/objects/Pipeline/" + name, null, null)
                        : http.send("PUT", admin + "/objects/Pipeline/" + name, "application/json", pipeline(name));
            } catch (IOException e) {
                return done;
            }
            if (delete) {
                assertEquals(r.body(), 204, r.statusCode());
                live.pollFirst();
                synchronized (acknowledged) {
                    acknowledged.put(name, -1L);
                }
            } else {
                assertEquals(r.body(), 200, r.statusCode());
                long revision = json.readTree(r.body()).path("revision").asLong(-1);
                live.addLast(name);
                synchronized (acknowledged) {
                    acknowledged.put(name, revision);
                }
            }
            inFlight.set(null);
            done++;
        }
    }

    private static String pipeline(String name) {
        return "{\"kind\":\"Pipeline\",\"name\":\"" + name + "\",\"spec\":{\"plugins\":[{\"name\":\"answer\","
                + "\"kind\":\"mock\",\"spec\":{\"body\":\"" + name + "\\n\"}}]}}";
    }

    private void awaitAdmin(String admin, KarafProcess karaf) {
        try {
            await().atMost(120, SECONDS).until(() -> http.status(admin + "/health") == 200);
            // writes go through once the node leads its one-node group again (a few seconds after health)
            await().atMost(60, SECONDS).until(() -> http.writable(admin.replace("/api/v1", "")));
        } catch (RuntimeException e) {
            throw new AssertionError("the admin API did not come up; console:\n" + karaf.console(), e);
        }
    }

    private void check(String admin, Map<String, Long> acknowledged, Set<String> inDoubt, String when)
            throws Exception {
        Map<String, Long> expected;
        synchronized (acknowledged) {
            expected = new LinkedHashMap<>(acknowledged);
        }
        long highest = expected.values().stream().mapToLong(Long::longValue).max().orElse(0);
        JsonNode health = json.readTree(http.get(admin + "/health").body());
        assertTrue(when + ": applied index " + health.path("appliedIndex") + " is below the acknowledged revision "
                + highest, health.path("appliedIndex").asLong() >= highest);
        List<String> wrong = new ArrayList<>();
        for (Map.Entry<String, Long> e : expected.entrySet()) {
            if (inDoubt.contains(e.getKey())) {
                continue;
            }
            HttpResponse<String> r = http.get(admin + "/objects/Pipeline/" + e.getKey());
            if (e.getValue() < 0) {
                if (r.statusCode() != 404) {
                    wrong.add(e.getKey() + " was deleted (acknowledged) but answers " + r.statusCode());
                }
            } else if (r.statusCode() != 200
                    || json.readTree(r.body()).path("revision").asLong() != e.getValue()) {
                wrong.add(e.getKey() + " was written at revision " + e.getValue() + " (acknowledged) but answers "
                        + r.statusCode() + " " + r.body());
            }
        }
        assertTrue(when + ": " + wrong.size() + " acknowledged writes of " + expected.size() + " are lost: " + wrong,
                wrong.isEmpty());
    }
}
