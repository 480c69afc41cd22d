package io.gatehouse.itests;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Several Gatehouse nodes as real processes on this machine, for multi-node and fault tests. Each node is
 * the distribution unpacked into a folder of its own ({@code <parent>/<node>/}, so its own {@code etc/} and
 * {@code data/}), on free loopback ports of its own (admin API, embedded default's demo server, SSH, JMX
 * RMI registry and server, Hazelcast {@code bind.port}), with {@code etc/io.gatehouse.cluster.cfg} written
 * from a {@link ClusterLayout} and one secret shared by the whole cluster (owner-only file).
 *
 * <p>Demo ports: the configuration is replicated, so every node must get the same embedded default (one
 * demo server, one port) and yet, on one machine, bind it on a port of its own. The harness picks a base
 * port B such that B+1..B+N are free (N nodes), writes B into every node's {@code etc/gatehouse-default.yaml}
 * and gives the i-th node of the layout (1-based) {@code portOffset = i} in {@code etc/io.gatehouse.core.cfg}
 * (node-local, docs/configuration.md): node i serves the demo at B+i ({@link ClusterNode#demoPort()}), and so
 * does any HTTPServer a test writes (at its port + i). B itself is never bound. The cluster name
 * is random, so two harnesses (or a {@code ./gatehouse cluster}) on one machine never join each other.
 *
 * <p>Nodes are started, stopped (SIGTERM, then SIGKILL after a deadline), killed (SIGKILL), paused (SIGSTOP),
 * resumed (SIGCONT) and restarted by name. A node counts as up only when its admin API's health answers with
 * the launch id the harness gave that start and the pid of the process the harness started: never whatever
 * else may answer on the port. {@link #close()} stops every process the harness ever started (a JVM shutdown
 * hook kills them if the test JVM exits first); {@link #startedProcesses()} lets a test check it by pid.
 *
 * <p>Not thread-safe: one test thread drives it (node operations run in parallel inside).
 */
public final class ClusterHarness implements AutoCloseable {
    /** Time for a node to answer after its start (nodes share 2 cores when they start together). */
    public static final Duration START_DEADLINE = Duration.ofSeconds(180);
    /** Time a graceful stop gets before SIGKILL. */
    public static final Duration STOP_DEADLINE = Duration.ofSeconds(30);
    private static final String CLUSTER_CFG = "etc/io.gatehouse.cluster.cfg";

    private final ClusterLayout layout;
    private final Path parent;
    private final String clusterName;
    private final Path secretFile;
    private final Map<String, ClusterNode> nodes = new LinkedHashMap<>();
    private final Set<ProcessHandle> started = ConcurrentHashMap.newKeySet();
    private final ExecutorService workers;
    private final Thread shutdownHook = new Thread(this::killEverything, "cluster-harness-shutdown");
    private final Http http = new Http();
    private final ObjectMapper json = new ObjectMapper();
    private boolean closed;

    private ClusterHarness(ClusterLayout layout, Path parent) {
        this.layout = layout;
        this.parent = parent;
        byte[] random = new byte[4];
        new SecureRandom().nextBytes(random);
        this.clusterName = "it-" + HexFormat.of().formatHex(random);
        this.secretFile = parent.resolve("cluster.secret");
        // one worker per node: starting, awaiting and stopping nodes all run at once
        this.workers = Executors.newFixedThreadPool(Math.max(1, layout.members().size()));
    }

    /** {@link #create(ClusterLayout, Path)} in a new folder under the build directory. */
    public static ClusterHarness create(ClusterLayout layout) throws Exception {
        return create(layout, Path.of(System.getProperty("project.build.directory", "target"),
                "cluster-" + System.nanoTime()));
    }

    /**
     * Unpacks the distribution once per node of {@code layout} under {@code parent} (in parallel), chooses
     * their ports and writes their configuration. Nothing is started yet.
     */
    public static ClusterHarness create(ClusterLayout layout, Path parent) throws Exception {
        ClusterHarness harness = new ClusterHarness(layout, parent);
        Runtime.getRuntime().addShutdownHook(harness.shutdownHook);
        try {
            harness.prepare();
        } catch (Exception | Error e) {
            harness.close();
            throw e;
        }
        return harness;
    }

    /** {@link #create(ClusterLayout)}, then every node started; on a failure everything is stopped again. */
    public static ClusterHarness started(ClusterLayout layout) throws Exception {
        ClusterHarness harness = create(layout);
        try {
            harness.startAll();
        } catch (Exception | Error e) {
            harness.close();
            throw e;
        }
        return harness;
    }

    private void prepare() throws Exception {
        Files.createDirectories(parent);
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        Files.createFile(secretFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(secretFile, HexFormat.of().formatHex(secret), StandardCharsets.US_ASCII);
        Set<Integer> taken = new HashSet<>();
        int demoBase = demoBase(layout.members().size(), taken);
        int offset = 0;
        for (ClusterLayout.Member m : layout.members()) {
            offset++;
            nodes.put(m.name(), new ClusterNode(m, freePort(taken), demoBase, offset, freePort(taken), freePort(taken),
                    freePort(taken), freePort(taken)));
        }
        inParallel(nodes.values(), node -> {
            node.unpack(parent.resolve(node.name()));
            return null;
        });
        for (ClusterNode node : nodes.values()) {
            writeClusterConfig(node);
        }
    }

    /**
     * A port for an HTTPServer a test writes to the cluster: every node binds it at the port + its offset
     * (1..N), and those ports are free now. Read a node's with {@link ClusterNode#url(int)}.
     */
    public int freeServerPort() {
        Set<Integer> taken = new HashSet<>();
        nodes.values().forEach(n -> Arrays.stream(n.ports()).forEach(taken::add));
        return demoBase(nodes.size(), taken);
    }

    /**
     * A base port B such that B+1..B+n are free on loopback now and none is taken (they are marked taken):
     * node i's demo server is B+i.
     */
    private static int demoBase(int n, Set<Integer> taken) {
        for (int attempt = 0; attempt < 200; attempt++) {
            int base = Ports.free() - 1;
            if (base + n > 65535) {
                continue;
            }
            boolean free = true;
            for (int i = 1; i <= n && free; i++) {
                free = !taken.contains(base + i) && Ports.isFree(base + i);
            }
            if (free) {
                for (int i = 1; i <= n; i++) {
                    taken.add(base + i);
                    Ports.claim(base + i);
                }
                return base;
            }
        }
        throw new IllegalStateException("found no " + n + " consecutive free loopback ports for the demo servers");
    }

    private static int freePort(Set<Integer> taken) {
        while (true) {
            int port = Ports.free();
            if (taken.add(port)) {
                return port;
            }
        }
    }

    private void writeClusterConfig(ClusterNode node) throws IOException {
        ClusterLayout.Member m = node.member();
        Map<String, String> cfg = new LinkedHashMap<>();
        cfg.put("cluster.name", clusterName);
        cfg.put("node.name", m.name());
        cfg.put("group", m.group());
        cfg.put("role", m.role());
        cfg.put("voters", String.join(",", layout.votersOf(m.group())));
        cfg.put("bind.address", "127.0.0.1");
        cfg.put("bind.port", String.valueOf(node.hazelcastPort()));
        cfg.put("seeds", layout.nodesOf(m.group()).stream().filter(n -> !n.equals(m.name()))
                .map(n -> "127.0.0.1:" + nodes.get(n).hazelcastPort()).collect(Collectors.joining(",")));
        cfg.put("multicast.enabled", "false");
        cfg.put("secret.file", secretFile.toAbsolutePath().toString());
        for (String group : layout.groups()) {
            if (!group.equals(m.group())) {
                cfg.put("groups." + group, layout.nodesOf(group).stream()
                        .map(n -> "127.0.0.1:" + nodes.get(n).adminPort()).collect(Collectors.joining(",")));
            }
        }
        cfg.putAll(layout.settings());
        StringBuilder text = new StringBuilder("# written by ClusterHarness (docs/cluster.md, Configuration)\n");
        cfg.forEach((k, v) -> text.append(k).append(" = ").append(v).append('\n'));
        Files.writeString(node.home().resolve(CLUSTER_CFG), text, StandardCharsets.UTF_8);
    }

    // ---- nodes

    public ClusterNode node(String name) {
        ClusterNode node = nodes.get(name);
        if (node == null) {
            throw new IllegalArgumentException("no node " + name + " (nodes: " + nodes.keySet() + ")");
        }
        return node;
    }

    public List<String> names() {
        return List.copyOf(nodes.keySet());
    }

    public String clusterName() {
        return clusterName;
    }

    /** Sets {@code key = value} in a properties file of a node (before it starts, or for its next start). */
    public void configure(String node, String file, String key, String value) throws IOException {
        node(node).karaf().setProperty(file, key, value);
    }

    /** Starts every node at once and waits until each answers as itself. */
    public void startAll() throws Exception {
        start(names().toArray(String[]::new));
    }

    /** Starts the named nodes at once and waits until each answers as itself (at most {@link #START_DEADLINE}). */
    public void start(String... names) throws Exception {
        List<ClusterNode> list = new ArrayList<>();
        for (String name : names) {
            ClusterNode node = node(name);
            node.start();
            node.process().ifPresent(started::add);
            list.add(node);
        }
        inParallel(list, node -> {
            awaitUp(node);
            return null;
        });
    }

    /** Stops a node gracefully (SIGTERM: Karaf stops its bundles), SIGKILL after {@link #STOP_DEADLINE}. */
    public void stop(String name) throws Exception {
        node(name).stop(STOP_DEADLINE);
    }

    /**
     * Stops every running node gracefully at once (resumed first if paused; SIGKILL after {@link #STOP_DEADLINE}),
     * for a test that reads their files afterwards; they can be started again.
     */
    public void stopAll() throws Exception {
        inParallel(nodes.values(), node -> {
            node.stop(STOP_DEADLINE);
            return null;
        });
    }

    /** SIGKILL, as a crash: no shutdown hook, nothing closed cleanly. Returns once the process is gone. */
    public void kill(String name) throws Exception {
        node(name).kill();
    }

    /** SIGSTOP: the process stays, its ports stay open, it answers nothing until {@link #resume}. */
    public void pause(String name) throws Exception {
        node(name).signal("STOP");
    }

    /** SIGCONT after {@link #pause}. */
    public void resume(String name) throws Exception {
        node(name).signal("CONT");
    }

    /** Stops the node gracefully, then starts it again on the same ports and data. */
    public void restart(String name) throws Exception {
        stop(name);
        start(name);
    }

    /**
     * Waits until a started node answers its health with its own launch id and pid (at most
     * {@link #START_DEADLINE}); fails at once when its process exits, with the end of its console output.
     */
    public void awaitUp(String name) {
        awaitUp(node(name));
    }

    private void awaitUp(ClusterNode node) {
        String health = node.adminUrl() + "/api/v1/health";
        try {
            await("node " + node.name() + " answers its health with its own launch id")
                    .atMost(START_DEADLINE).pollInterval(Duration.ofMillis(500))
                    .failFast("the process of " + node.name() + " exited", () -> !node.alive())
                    .until(() -> {
                        JsonNode answer = healthOrNull(health);
                        return answer != null && node.launchId().equals(answer.path("node").path("launchId").asText());
                    });
        } catch (RuntimeException | Error e) {
            throw new AssertionError(node.name() + " did not come up: " + e.getMessage() + "\n--- console:\n"
                    + tail(node.karaf().console()), e);
        }
        JsonNode answer = healthOrNull(health);
        long pid = answer == null ? -1 : answer.path("node").path("pid").asLong(-1);
        long expected = node.process().map(ProcessHandle::pid).orElse(-2L);
        if (pid != expected) {
            throw new AssertionError(node.name() + " answers with pid " + pid + ", but the harness started pid " + expected);
        }
    }

    /**
     * Waits until every node in {@code names} names its group's leader in its health and is not stale, so that
     * a write sent to it goes through (a node answers its health seconds before its cluster service has
     * joined and found the leader); fails naming what each node said.
     */
    public void awaitWritable(Collection<String> names, Duration deadline) {
        Map<String, String> seen = new ConcurrentHashMap<>();
        try {
            await("a leader known on " + names).atMost(deadline).pollInterval(Duration.ofMillis(200)).until(() -> {
                boolean all = true;
                for (String name : names) {
                    JsonNode h = healthOrNull(node(name).adminUrl() + "/api/v1/health");
                    String leader = h == null ? "" : h.path("leader").asText("");
                    boolean stale = h == null || h.path("stale").asBoolean(true);
                    seen.put(name, h == null ? "no answer" : "leader '" + leader + "', stale " + stale);
                    all &= !leader.isEmpty() && !stale;
                }
                return all;
            });
        } catch (RuntimeException e) {
            throw new AssertionError("not every node knows its leader within " + deadline + ": " + seen, e);
        }
    }

    /** The leader a node's health names, or empty when it names none (or does not answer). */
    public String leaderOf(String name) {
        JsonNode h = healthOrNull(node(name).adminUrl() + "/api/v1/health");
        return h == null ? "" : h.path("leader").asText("");
    }

    private JsonNode healthOrNull(String url) {
        try {
            HttpResponse<String> r = http.get(url);
            return r.statusCode() == 200 ? json.readTree(r.body()) : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static String tail(String text) {
        return text.length() <= 4_000 ? text : text.substring(text.length() - 4_000);
    }

    // ---- talking to nodes

    /** GET on a node's admin API; {@code path} is relative to {@code /api/v1} ({@code "/health"}). */
    public HttpResponse<String> get(String node, String path) throws IOException, InterruptedException {
        return http.get(node(node).adminUrl() + "/api/v1" + path);
    }

    /** POSTs a YAML document stream to a node's {@code /api/v1/apply}; the answer is the caller's to check. */
    public HttpResponse<String> applyTo(String node, String yaml) throws IOException, InterruptedException {
        return http.send("POST", node(node).adminUrl() + "/api/v1/apply", "application/yaml", yaml);
    }

    /** A node's health, which must answer 200. */
    public JsonNode health(String node) throws IOException, InterruptedException {
        HttpResponse<String> r = get(node, "/health");
        if (r.statusCode() != 200) {
            throw new AssertionError(node + " health answers " + r.statusCode() + ": " + r.body());
        }
        return json.readTree(r.body());
    }

    public long appliedIndex(String node) throws IOException, InterruptedException {
        return health(node).path("appliedIndex").asLong(-1);
    }

    /** Waits until every node in {@code names} has applied {@code index} or more; fails naming the laggards. */
    public void awaitApplied(Collection<String> names, long index, Duration deadline) {
        Map<String, Long> seen = new ConcurrentHashMap<>();
        try {
            await("applied index " + index + " on " + names).atMost(deadline).pollInterval(Duration.ofMillis(200))
                    .until(() -> {
                        boolean all = true;
                        for (String name : names) {
                            JsonNode h = healthOrNull(node(name).adminUrl() + "/api/v1/health");
                            long applied = h == null ? -1 : h.path("appliedIndex").asLong(-1);
                            seen.put(name, applied);
                            all &= applied >= index;
                        }
                        return all;
                    });
        } catch (RuntimeException e) {
            throw new AssertionError("not every node applied index " + index + " within " + deadline
                    + "; applied (-1: no answer): " + seen, e);
        }
    }

    /**
     * The lines of {@code name}'s Karaf logs (every rotated file, every start of the node) that contain
     * {@code text}.
     */
    public List<String> logLines(String name, String text) throws IOException {
        Path dir = node(name).home().resolve("data/log");
        List<String> found = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return found;
        }
        try (var files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.getFileName().toString().startsWith("karaf.log")).sorted().toList()) {
                for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                    if (line.contains(text)) {
                        found.add(f.getFileName() + ": " + line);
                    }
                }
            }
        }
        return found;
    }

    // ---- the end

    /** Every process the harness started (alive or not), for tests that check nothing is left. */
    public Set<ProcessHandle> startedProcesses() {
        return Set.copyOf(started);
    }

    /**
     * Stops every node (resumed first if paused; gracefully in parallel, SIGKILL after the deadline), then
     * makes sure every process the harness ever started is gone. Idempotent.
     */
    @Override
    public void close() throws Exception {
        if (closed) {
            return;
        }
        closed = true;
        Throwable failure = null;
        try {
            inParallel(nodes.values(), node -> {
                node.stop(STOP_DEADLINE);
                return null;
            });
        } catch (Exception | Error e) {
            failure = e;
        } finally {
            killEverything();
            workers.shutdownNow();
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException e) {
                // the JVM is already shutting down: the hook runs (killEverything is idempotent)
            }
        }
        List<ProcessHandle> alive = started.stream().filter(ProcessHandle::isAlive).toList();
        if (!alive.isEmpty()) {
            AssertionError e = new AssertionError("processes still alive after close: " + alive);
            if (failure != null) {
                e.addSuppressed(failure);
            }
            throw e;
        }
        if (failure instanceof Exception e) {
            throw e;
        } else if (failure instanceof Error e) {
            throw e;
        }
    }

    /** SIGKILL (which also ends a paused process) to every process still alive, waiting for each. */
    private void killEverything() {
        for (ProcessHandle h : started) {
            h.descendants().forEach(ProcessHandle::destroyForcibly);
            h.destroyForcibly();
        }
        for (ProcessHandle h : started) {
            h.onExit().orTimeout(30, TimeUnit.SECONDS).exceptionally(t -> h).join();
        }
    }

    private interface NodeTask {
        Void run(ClusterNode node) throws Exception;
    }

    /** Runs {@code task} for every node on the harness's workers; the first failure is thrown after all ended. */
    private void inParallel(Collection<ClusterNode> list, NodeTask task) throws Exception {
        List<Future<Void>> futures = new ArrayList<>();
        for (ClusterNode node : list) {
            Callable<Void> c = () -> task.run(node);
            futures.add(workers.submit(c));
        }
        Throwable first = null;
        for (Future<Void> f : futures) {
            try {
                f.get();
            } catch (ExecutionException e) {
                if (first == null) {
                    first = e.getCause();
                } else {
                    first.addSuppressed(e.getCause());
                }
            }
        }
        if (first instanceof Exception e) {
            throw e;
        } else if (first instanceof Error e) {
            throw e;
        } else if (first != null) {
            throw new IllegalStateException(first);
        }
    }
}
