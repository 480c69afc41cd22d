package io.gatehouse.itests;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.awaitility.Awaitility.await;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.Test;

/**
 * The multi-node harness itself, before any cluster test relies on it: three nodes start at once on ports
 * of their own and each serves its demo server and admin API as itself; a node killed with SIGKILL comes back
 * with its data; a node paused with SIGSTOP answers nothing (requests time out, they are not refused) until
 * SIGCONT; and close() leaves no process alive, checked by pid.
 */
public class ClusterHarnessIT {
    private final Http http = new Http();
    private final Http quick = new Http(Duration.ofSeconds(2));

    @Test
    public void nodesStartCrashRestartPauseResumeAndNothingIsLeft() throws Exception {
        long t0 = System.nanoTime();
        Path parent = Paths.get(System.getProperty("project.build.directory", "target"),
                "cluster-harness-it-" + System.nanoTime());
        // three one-node groups: every node leads its own group and keeps its own configuration (its embedded
        // default with its own demo port, and what is written to it), so the harness's mechanics are tested
        // without replication (ClusterIT tests a replicated group)
        ClusterHarness cluster = ClusterHarness.create(new ClusterLayout().group("g1", List.of("node1"), List.of())
                .group("g2", List.of("node2"), List.of()).group("g3", List.of("node3"), List.of()), parent);
        List<String> timings = new ArrayList<>();
        Set<ProcessHandle> processes;
        List<Integer> adminPorts = new ArrayList<>();
        try {
            timings.add("unpacked 3 nodes: " + since(t0));
            cluster.startAll();
            cluster.awaitWritable(cluster.names(), Duration.ofSeconds(60));
            timings.add("started 3 nodes: " + since(t0));

            // 1. distinct ports, each node serves its demo server and its admin API, as itself
            Set<Integer> ports = new HashSet<>();
            int count = 0;
            Set<String> ids = new HashSet<>();
            for (String name : cluster.names()) {
                ClusterNode node = cluster.node(name);
                for (int p : node.ports()) {
                    ports.add(p);
                    count++;
                }
                adminPorts.add(node.adminPort());
                // the embedded default: written by each node once it leads its group
                await(name + " serves its embedded default").atMost(30, SECONDS)
                        .until(() -> http.status(node.demoUrl() + "/") == 200);
                HttpResponse<String> welcome = http.get(node.demoUrl() + "/");
                assertEquals(name + ": " + welcome.body(), 200, welcome.statusCode());
                assertTrue(welcome.body(), welcome.body().toLowerCase().contains("gatehouse"));
                JsonNode health = cluster.health(name);
                assertEquals(name, node.launchId(), health.path("node").path("launchId").asText());
                assertEquals(name, node.process().orElseThrow().pid(), health.path("node").path("pid").asLong());
                ids.add(health.path("node").path("id").asText());
                String cfg = Files.readString(node.home().resolve("etc/io.gatehouse.cluster.cfg"), StandardCharsets.UTF_8);
                assertTrue(cfg, cfg.contains("node.name = " + name + "\n"));
                assertTrue(cfg, cfg.contains("voters = " + name + "\n"));
                assertTrue(cfg, cfg.contains("bind.port = " + node.hazelcastPort() + "\n"));
                String core = Files.readString(node.home().resolve("etc/io.gatehouse.core.cfg"), StandardCharsets.UTF_8);
                assertTrue(core, core.contains("portOffset = " + node.portOffset() + "\n"));
            }
            assertEquals("6 ports per node, none shared: " + ports, 18, count);
            assertEquals("6 ports per node, none shared: " + ports, count, ports.size());
            assertEquals("three nodes, three node ids", 3, ids.size());

            // 2. kill -9 and restart: the node serves again, with its data (objects, applied index, node id)
            // the configuration's port; node2 binds it at appPort + its portOffset (ClusterHarness, demo ports)
            int appPort = cluster.freeServerPort();
            HttpResponse<String> applied = cluster.applyTo("node2", """
                    kind: Pipeline
                    name: kept
                    spec:
                      plugins:
                        - name: answer
                          kind: mock
                          spec:
                            body: "node2 data\\n"
                    ---
                    kind: HTTPServer
                    name: kept
                    spec:
                      address: 127.0.0.1
                      port: %d
                      rules:
                        - pipeline: kept
                    """.formatted(appPort));
            assertEquals(applied.body(), 200, applied.statusCode());
            String app = cluster.node("node2").url(appPort) + "/";
            assertEquals("node2 data\n", http.get(app).body());
            JsonNode before = cluster.health("node2");
            long index = before.path("appliedIndex").asLong();
            ProcessHandle killed = cluster.node("node2").process().orElseThrow();

            cluster.kill("node2");
            assertFalse("pid " + killed.pid() + " is gone", killed.isAlive());
            assertEquals("node2's server is down", -1, http.status(app));
            assertEquals("node2's admin API is down", -1, quick.status(cluster.node("node2").adminUrl() + "/api/v1/health"));
            assertEquals("node1 still serves", 200, http.status(cluster.node("node1").demoUrl() + "/"));

            cluster.start("node2");
            timings.add("node2 restarted after kill -9: " + since(t0));
            cluster.awaitApplied(List.of("node2"), index, Duration.ofSeconds(60));
            await("node2's applied server binds again").atMost(30, SECONDS).until(() -> http.status(app) == 200);
            assertEquals("node2 data\n", http.get(app).body());
            // node2 leads its one-node group again: its new leadership's no-op is the only entry added
            cluster.awaitWritable(List.of("node2"), Duration.ofSeconds(60));
            cluster.awaitApplied(List.of("node2"), index + 1, Duration.ofSeconds(30));
            JsonNode after = cluster.health("node2");
            assertEquals("the same node (node id from its data folder)", before.path("node").path("id").asText(),
                    after.path("node").path("id").asText());
            assertEquals(index + 1, after.path("appliedIndex").asLong());
            assertNotEquals("a new process", killed.pid(), after.path("node").path("pid").asLong());

            // 3. SIGSTOP: the port still accepts connections (the kernel does), but nothing answers
            ClusterNode node3 = cluster.node("node3");
            cluster.pause("node3");
            assertTimesOut(node3.demoUrl() + "/");
            assertTimesOut(node3.adminUrl() + "/api/v1/health");
            assertEquals("node1 still serves", 200, http.status(cluster.node("node1").demoUrl() + "/"));
            cluster.resume("node3");
            await("node3 answers again after SIGCONT").atMost(30, SECONDS)
                    .until(() -> quick.status(node3.demoUrl() + "/") == 200);
            assertEquals(node3.launchId(), cluster.health("node3").path("node").path("launchId").asText());
            timings.add("pause/resume done: " + since(t0));

            // 4. close: every process the harness started is gone, and the ports are free
            processes = cluster.startedProcesses();
            assertEquals("3 starts and 1 restart", 4, processes.size());
            cluster.close();
            timings.add("closed: " + since(t0));
        } finally {
            cluster.close();
        }
        for (ProcessHandle p : processes) {
            assertFalse("pid " + p.pid() + " is gone", p.isAlive());
            // and no process runs under that pid from one of the nodes' folders (a reused pid would be another program)
            String command = ProcessHandle.of(p.pid()).flatMap(h -> h.info().arguments())
                    .map(a -> String.join(" ", a)).orElse("");
            assertFalse("pid " + p.pid() + " runs " + command, command.contains(parent.toString()));
        }
        for (int port : adminPorts) {
            assertFalse("admin port " + port + " is closed", open(port));
        }
        System.out.println("ClusterHarnessIT: " + String.join(", ", timings));
    }

    private void assertTimesOut(String url) throws InterruptedException {
        long start = System.nanoTime();
        try {
            HttpResponse<String> r = quick.get(url);
            fail(url + " answered " + r.statusCode() + " while its node was stopped");
        } catch (HttpTimeoutException expected) {
            assertTrue("timed out after the client's 2 s, not at once",
                    System.nanoTime() - start >= Duration.ofMillis(1_500).toNanos());
        } catch (IOException e) {
            throw new AssertionError(url + " failed with " + e + ", expected a timeout (the port stays open)", e);
        }
    }

    private static boolean open(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String since(long t0) {
        return (System.nanoTime() - t0) / 1_000_000 + " ms";
    }
}
