package io.gatehouse.itests;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.awaitility.Awaitility.await;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * The plugin platform as a plugin author uses it, on the real distribution running as a process: a plugin
 * generated from the archetype and built with Maven is dropped into {@code deploy/} and serves; a second
 * version dropped next to it takes over under load with no failed request; a canary splits the traffic
 * between the two versions; removing a pinned version fails only the pipelines that pin it; a plugin jar
 * replaced in place (a bundle update) under load fails no request either.
 */
public class PluginPlatformIT {
    private static final String KIND = "stamp";
    private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(5);
    private static final String LEAK_DETECTION = "-Dio.netty.leakDetection.level=paranoid";

    private static Path work;
    private static Path v1Jar;
    private static Path v2Jar;
    private static Path v3Jar;
    private static Path hedgeJar;
    private static Path mirrorJar;
    private static KarafProcess karaf;
    private static String admin;
    private static int appPort;
    private static int pinnedPort;
    private final Http http = new Http();
    private final ObjectMapper json = new ObjectMapper();

    @BeforeClass
    public static void buildPluginsAndStartTheGateway() throws Exception {
        work = Paths.get(System.getProperty("project.build.directory", "target"), "plugins-it-" + System.nanoTime());
        Files.createDirectories(work);
        Path project = generate(work, "stamp-plugin");
        v1Jar = build(project, "1.0.0", "v1");
        v2Jar = build(project, "2.0.0", "v2");
        v3Jar = build(project, "2.0.1", "v3");
        hedgeJar = testPlugin("hedge");
        mirrorJar = testPlugin("mirror");
        int adminPort = Ports.free();
        appPort = Ports.free();
        pinnedPort = Ports.free();
        karaf = KarafProcess.unpack(work, adminPort);
        // every buffer is tracked: a leak shows as a "LEAK:" line in the log (checked after the hedge)
        karaf.start(Map.of("EXTRA_JAVA_OPTS", LEAK_DETECTION));
        admin = "http://127.0.0.1:" + adminPort;
        await().atMost(180, SECONDS).until(() -> new Http().writable(admin));
    }

    @AfterClass
    public static void stopTheGateway() throws Exception {
        if (karaf != null) {
            karaf.close();
        }
    }

    /** {@code mvn archetype:generate} in batch mode with the properties the archetype's README names. */
    private static Path generate(Path dir, String artifactId) throws Exception {
        mvn(dir, "org.apache.maven.plugins:maven-archetype-plugin:3.3.1:generate",
                "-DarchetypeGroupId=io.gatehouse", "-DarchetypeArtifactId=gatehouse-plugin-archetype",
                "-DarchetypeVersion=" + System.getProperty("gatehouse.version"), "-DgroupId=it.example",
                "-DartifactId=" + artifactId, "-Dkind=" + KIND, "-Dpackage=it.example.stamp");
        Path project = dir.resolve(artifactId);
        assertTrue("generated " + project, Files.isRegularFile(project.resolve("pom.xml")));
        return project;
    }

    /**
     * A test plugin kind (src/test/resources/plugins/KIND): a project generated from the archetype whose sources
     * are replaced by the test's own, built with Maven; returns its jar.
     */
    private static Path testPlugin(String kind) throws Exception {
        String artifactId = kind + "-plugin";
        mvn(work, "org.apache.maven.plugins:maven-archetype-plugin:3.3.1:generate",
                "-DarchetypeGroupId=io.gatehouse", "-DarchetypeArtifactId=gatehouse-plugin-archetype",
                "-DarchetypeVersion=" + System.getProperty("gatehouse.version"), "-DgroupId=it.example",
                "-DartifactId=" + artifactId, "-Dkind=" + kind, "-Dpackage=it.example." + kind, "-Dversion=1.0.0");
        Path project = work.resolve(artifactId);
        Path sources = project.resolve("src/main/java/it/example/" + kind + "/internal");
        try (var generated = Files.list(sources)) {
            for (Path f : generated.toList()) {
                Files.delete(f);
            }
        }
        deleteTree(project.resolve("src/test"));
        deleteTree(project.resolve("src/main/resources"));
        Path mine = Paths.get(System.getProperty("plugin.sources", "src/test/resources/plugins")).resolve(kind);
        try (var files = Files.list(mine)) {
            for (Path f : files.toList()) {
                Files.copy(f, sources.resolve(f.getFileName()));
            }
        }
        mvn(project, "package");
        Path kept = work.resolve(artifactId + "-1.0.0.jar");
        Files.copy(project.resolve("target/" + artifactId + "-1.0.0.jar"), kept, StandardCopyOption.REPLACE_EXISTING);
        return kept;
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (var walk = Files.walk(root)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /**
     * Builds the generated plugin as {@code version}, its header value suffixed with {@code mark} so that a
     * response tells which version served it; returns a copy of the jar.
     */
    private static Path build(Path project, String version, String mark) throws Exception {
        Path pom = project.resolve("pom.xml");
        String text = Files.readString(pom, StandardCharsets.UTF_8);
        text = text.replaceFirst("<version>[^<]*</version>", "<version>" + version + "</version>");
        Files.writeString(pom, text, StandardCharsets.UTF_8);
        Path plugin = project.resolve("src/main/java/it/example/stamp/internal/StampPlugin.java");
        String code = Files.readString(plugin, StandardCharsets.UTF_8);
        code = code.replaceAll("spec\\.value\\(\\)( \\+ \"-v\\d\")?", "spec.value() + \"-" + mark + "\"");
        Files.writeString(plugin, code, StandardCharsets.UTF_8);
        // its own unit tests expect the header value unchanged; they run in the archetype's integration test
        mvn(project, "package", "-DskipTests");
        Path jar = project.resolve("target/stamp-plugin-" + version + ".jar");
        Path kept = work.resolve("stamp-plugin-" + version + ".jar");
        Files.copy(jar, kept, StandardCopyOption.REPLACE_EXISTING);
        return kept;
    }

    private static void mvn(Path dir, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("mvn", "-B", "-o", "-q"));
        String repo = System.getProperty("maven.repo.local");
        if (repo != null) {
            cmd.add("-Dmaven.repo.local=" + repo);
        }
        cmd.addAll(List.of(args));
        Path log = dir.resolve("mvn-" + System.nanoTime() + ".log");
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        try {
            if (!p.waitFor(BUILD_TIMEOUT.toSeconds(), SECONDS)) {
                throw new AssertionError("mvn " + String.join(" ", args) + " did not finish in " + BUILD_TIMEOUT);
            }
        } finally {
            p.destroyForcibly();
        }
        assertEquals("mvn " + String.join(" ", args) + ":\n" + Files.readString(log), 0, p.exitValue());
    }

    private void apply(String yaml) throws Exception {
        HttpResponse<String> r = http.send("POST", admin + "/api/v1/apply", "application/yaml", yaml);
        assertEquals(r.body(), 200, r.statusCode());
    }

    private static String pipeline(String name, String versionLines) {
        return """
                kind: Pipeline
                name: %s
                spec:
                  plugins:
                    - name: mark
                      kind: stamp
                %s      spec: {header: X-Stamp, value: it}
                    - name: answer
                      kind: mock
                      spec: {body: "ok\\n"}
                """.formatted(name, versionLines);
    }

    private static String server(String name, int port, String pipeline) {
        return """
                kind: HTTPServer
                name: %s
                spec:
                  address: 127.0.0.1
                  port: %d
                  rules:
                    - pipeline: %s
                """.formatted(name, port, pipeline);
    }

    private void deploy(Path jar) throws IOException {
        Path deploy = karaf.home().resolve("deploy");
        Path tmp = karaf.home().resolve("data/" + jar.getFileName() + ".tmp");
        Files.copy(jar, tmp, StandardCopyOption.REPLACE_EXISTING);
        // atomically into deploy/: the file watcher never sees half a jar
        Files.move(tmp, deploy.resolve(jar.getFileName()), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
    }

    private void undeploy(String fileName) throws IOException {
        Files.delete(karaf.home().resolve("deploy").resolve(fileName));
    }

    private List<String> versions() throws Exception {
        List<String> out = new ArrayList<>();
        for (JsonNode k : json.readTree(http.get(admin + "/api/v1/kinds").body())) {
            if (k.path("name").asText().equals(KIND)) {
                out.add(k.path("version").asText());
            }
        }
        return out;
    }

    private String stamp(int port) throws Exception {
        HttpResponse<String> r = http.get("http://127.0.0.1:" + port + "/");
        return r.statusCode() == 200 ? r.headers().firstValue("X-Stamp").orElse("none") : "status " + r.statusCode();
    }

    /** Clients sending requests in a loop until stopped; every answer that is not 200 with a stamp is a failure. */
    private static final class Load implements AutoCloseable {
        private final ExecutorService threads = Executors.newFixedThreadPool(4);
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicLong sent = new AtomicLong();
        private final Map<String, AtomicLong> byStamp = new ConcurrentHashMap<>();
        private final List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        private final List<Future<?>> tasks = new ArrayList<>();

        Load(int port) {
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5)).build();
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/load"))
                    .timeout(Duration.ofSeconds(10)).build();
            for (int i = 0; i < 4; i++) {
                tasks.add(threads.submit(() -> {
                    // bounded: at most 200,000 requests per client, far more than any phase needs
                    for (int n = 0; n < 200_000 && running.get(); n++) {
                        sent.incrementAndGet();
                        try {
                            HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());
                            String stamp = r.headers().firstValue("X-Stamp").orElse(null);
                            if (r.statusCode() != 200 || stamp == null) {
                                failures.add(r.statusCode() + " " + stamp + " " + r.body());
                            } else {
                                byStamp.computeIfAbsent(stamp, s -> new AtomicLong()).incrementAndGet();
                            }
                        } catch (IOException e) {
                            failures.add(e.toString());
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            return;
                        }
                    }
                }));
            }
        }

        long served(String stamp) {
            AtomicLong n = byStamp.get(stamp);
            return n == null ? 0 : n.get();
        }

        @Override
        public void close() throws Exception {
            running.set(false);
            for (Future<?> f : tasks) {
                f.get(30, SECONDS);
            }
            threads.shutdownNow();
            assertTrue(threads.awaitTermination(10, TimeUnit.SECONDS));
        }
    }

    @Test
    public void aGeneratedPluginIsDeployedUpgradedUnderLoadAndCanaried() throws Exception {
        // 1. generated, built, dropped into deploy/: the kind registers without a restart
        long dropped = System.nanoTime();
        deploy(v1Jar);
        await().atMost(60, SECONDS).until(() -> versions().contains("1.0.0"));
        long registeredMs = (System.nanoTime() - dropped) / 1_000_000;
        apply(pipeline("stamped", "") + "---\n" + server("stamped", appPort, "stamped"));
        assertEquals("it-v1", stamp(appPort));

        // 2. v2 dropped next to v1 under load: the pipeline moves to v2 without a failed request
        long sent;
        long upgradeMs;
        try (Load load = new Load(appPort)) {
            await().atMost(30, SECONDS).until(() -> load.served("it-v1") > 200);
            long v2Dropped = System.nanoTime();
            deploy(v2Jar);
            await().atMost(60, SECONDS).until(() -> load.served("it-v2") > 0);
            upgradeMs = (System.nanoTime() - v2Dropped) / 1_000_000;
            await().atMost(30, SECONDS).until(() -> load.served("it-v2") > 500);
            // the old version goes away: nothing uses it any more, nothing notices
            undeploy(v1Jar.getFileName().toString());
            await().atMost(60, SECONDS).until(() -> !versions().contains("1.0.0"));
            long before = load.served("it-v2");
            await().atMost(30, SECONDS).until(() -> load.served("it-v2") > before + 500);
            load.close();
            sent = load.sent.get();
            assertEquals("failed requests during the upgrade: " + load.failures, List.of(), load.failures);
        }
        System.out.printf("plugin upgrade under load: kind registered %d ms after the jar was dropped; v2 served "
                + "%d ms after its jar was dropped; %d requests, 0 failed%n", registeredMs, upgradeMs, sent);

        // 3. both versions side by side, a 90/10 canary measured over 10,000 requests
        deploy(v1Jar);
        await().atMost(60, SECONDS).until(() -> versions().containsAll(List.of("1.0.0", "2.0.0")));
        apply(pipeline("stamped", "      version: 1.0.0\n      canary: {version: 2.0.0, weight: 10}\n"));
        await().atMost(30, SECONDS).until(() -> stamp(appPort).equals("it-v1"));
        int canary = 0;
        int n = 10_000;
        for (int i = 0; i < n; i++) {
            String s = stamp(appPort);
            if (s.equals("it-v2")) {
                canary++;
            } else {
                assertEquals("it-v1", s);
            }
        }
        double share = canary * 100.0 / n;
        System.out.printf("canary 90/10: %.2f%% of %d requests went to v2%n", share, n);
        assertTrue("canary share " + share + "%", Math.abs(share - 10) <= 2);
        JsonNode uses = json.readTree(http.get(admin + "/api/v1/kinds").body());
        long counted = 0;
        for (JsonNode k : uses) {
            for (JsonNode u : k.path("usedBy")) {
                if (u.path("role").asText().equals("canary")) {
                    counted = u.path("requests").asLong();
                }
            }
        }
        assertTrue("the canary's requests are counted: " + counted, counted >= canary);

        // 4. removing a version that a pipeline pins: only that pipeline answers 503, naming kind and version
        apply(pipeline("pinned", "      version: 1.0.0\n") + "---\n" + server("pinned", pinnedPort, "pinned") + "---\n"
                + pipeline("stamped", ""));
        await().atMost(30, SECONDS).until(() -> stamp(pinnedPort).equals("it-v1"));
        undeploy(v1Jar.getFileName().toString());
        await().atMost(60, SECONDS).until(() -> stamp(pinnedPort).equals("status 503"));
        HttpResponse<String> refused = http.get("http://127.0.0.1:" + pinnedPort + "/");
        assertTrue(refused.body(), refused.body().contains("plugin kind 'stamp' version 1.0.0"));
        assertEquals("it-v2", stamp(appPort));

        // 5. the jar replaced in place (a bundle update to 2.0.1) under load: no failed request either
        try (Load load = new Load(appPort)) {
            await().atMost(30, SECONDS).until(() -> load.served("it-v2") > 200);
            Path inPlace = work.resolve("in-place").resolve(v2Jar.getFileName());
            Files.createDirectories(inPlace.getParent());
            Files.copy(v3Jar, inPlace, StandardCopyOption.REPLACE_EXISTING);
            deploy(inPlace);
            await().atMost(60, SECONDS).until(() -> load.served("it-v3") > 500);
            load.close();
            assertEquals("failed requests during the in-place update: " + load.failures, List.of(), load.failures);
            System.out.printf("plugin updated in place under load: %d requests, 0 failed%n", load.sent.get());
        }
    }

    /** An HTTP server on 127.0.0.1 for the hedge and mirror plugins; stopped by the test. */
    private static com.sun.net.httpserver.HttpServer origin(com.sun.net.httpserver.HttpHandler handler)
            throws IOException {
        com.sun.net.httpserver.HttpServer server = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress("127.0.0.1", 0), 16);
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.createContext("/", handler);
        server.start();
        return server;
    }

    private static void answer(com.sun.net.httpserver.HttpExchange ex, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getRequestBody().readAllBytes();
        ex.sendResponseHeaders(status, b.length);
        ex.getResponseBody().write(b);
        ex.close();
    }

    private static void stop(com.sun.net.httpserver.HttpServer server) {
        server.stop(0);
        ((ExecutorService) server.getExecutor()).shutdownNow();
    }

    /**
     * An origin that reads a request head and never answers; it counts the requests it got and the connections
     * the gateway closed on it (a cancelled attempt's connection must be closed: its response never came).
     */
    private static final class HoldingOrigin implements AutoCloseable {
        final java.net.ServerSocket server = new java.net.ServerSocket(0, 16,
                java.net.InetAddress.getByName("127.0.0.1"));
        final AtomicLong seen = new AtomicLong();
        final AtomicLong closedByPeer = new AtomicLong();
        private final List<java.net.Socket> sockets = new java.util.concurrent.CopyOnWriteArrayList<>();
        private final ExecutorService threads = Executors.newCachedThreadPool();

        HoldingOrigin() throws IOException {
            threads.execute(this::accept);
        }

        int port() {
            return server.getLocalPort();
        }

        private void accept() {
            for (int i = 0; i < 64 && !server.isClosed(); i++) {
                try {
                    java.net.Socket s = server.accept();
                    sockets.add(s);
                    threads.execute(() -> hold(s));
                } catch (IOException e) {
                    return; // closed by the test
                }
            }
        }

        private void hold(java.net.Socket s) {
            try (s) {
                s.setSoTimeout(60_000);
                java.io.InputStream in = s.getInputStream();
                int matched = 0;
                int b;
                while (matched < 4 && (b = in.read()) >= 0) {
                    matched = b == "\r\n\r\n".charAt(matched) ? matched + 1 : b == '\r' ? 1 : 0;
                }
                seen.incrementAndGet();
                try {
                    while (in.read() >= 0) {
                        // a request body, if any: read until the gateway closes the connection
                    }
                } catch (java.net.SocketException e) {
                    // reset by the gateway, or closed by the test (then not counted below)
                }
                if (!server.isClosed()) {
                    closedByPeer.incrementAndGet();
                }
            } catch (IOException e) {
                // closed by the test
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (java.net.Socket s : sockets) {
                s.close();
            }
            threads.shutdownNow();
        }
    }

    /** The gateway's JVM (bin/karaf's child, or the process itself), found by its command line (Linux). */
    private static ProcessHandle gatewayJvm() {
        ProcessHandle launcher = karaf.process().orElseThrow();
        return java.util.stream.Stream.concat(java.util.stream.Stream.of(launcher), launcher.descendants())
                .filter(h -> commandLine(h).contains("org.apache.karaf.main.Main")).findFirst()
                .orElseThrow(() -> new AssertionError("no Karaf JVM under " + launcher.pid()));
    }

    /** The process's command line, arguments separated by spaces ({@code /proc/<pid>/cmdline}). */
    private static String commandLine(ProcessHandle h) {
        try {
            return Files.readString(Paths.get("/proc", Long.toString(h.pid()), "cmdline"), StandardCharsets.UTF_8)
                    .replace('\0', ' ');
        } catch (IOException e) {
            return "";
        }
    }

    @Test
    public void hedgeAndMirrorPluginsMakeSeveralAttemptsPerRequest() throws Exception {
        AtomicLong shadowSeen = new AtomicLong();
        AtomicLong shadowBytes = new AtomicLong();
        // the slow server never answers: a hedge must not wait for it, and must close the loser's connection
        HoldingOrigin slow = new HoldingOrigin();
        com.sun.net.httpserver.HttpServer fast = origin(ex -> answer(ex, 200, "fast"));
        com.sun.net.httpserver.HttpServer shadow = origin(ex -> {
            shadowBytes.addAndGet(ex.getRequestBody().readAllBytes().length);
            shadowSeen.incrementAndGet();
            answer(ex, 500, "the shadow's answer is dropped");
        });
        try {
            deploy(hedgeJar);
            deploy(mirrorJar);
            await().atMost(60, SECONDS).until(() -> {
                String kinds = http.get(admin + "/api/v1/kinds").body();
                return kinds.contains("\"hedge\"") && kinds.contains("\"mirror\"");
            });
            int hedgePort = Ports.free();
            int mirrorPort = Ports.free();
            int slowPort = slow.port();
            int fastPort = fast.getAddress().getPort();
            apply("""
                    kind: Pipeline
                    name: hedged
                    spec:
                      plugins:
                        - {name: race, kind: hedge, spec: {primary: %d, secondary: %d, afterMs: 100}}
                    ---
                    kind: Pipeline
                    name: mirrored
                    spec:
                      plugins:
                        - {name: copy, kind: mirror, spec: {port: %d}}
                        - name: backend
                          kind: proxy
                          spec: {pools: [{servers: [{url: "http://127.0.0.1:%d"}]}]}
                    ---
                    """.formatted(slowPort, fastPort, shadow.getAddress().getPort(), fastPort)
                    + server("hedged", hedgePort, "hedged") + "---\n" + server("mirrored", mirrorPort, "mirrored"));

            // hedging: the primary holds its answer; 100 ms later the secondary is asked and wins
            long t0 = System.nanoTime();
            HttpResponse<String> hedged = http.get("http://127.0.0.1:" + hedgePort + "/");
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(hedged.body(), 200, hedged.statusCode());
            assertEquals("fast", hedged.body());
            assertEquals("2", hedged.headers().firstValue("X-Hedge-Attempts").orElse(null));
            assertTrue("answered in " + ms + " ms, not after the slow server", ms < 5_000);
            assertEquals("the slow server was asked first", 1, slow.seen.get());
            // the loser was cancelled: its connection closed (an attempt without its response cannot be pooled)
            await("the losing attempt's connection closed").atMost(10, SECONDS)
                    .until(() -> slow.closedByPeer.get() == 1);
            System.out.printf("hedge: the second server's answer won after %d ms%n", ms);

            // mirroring: the client gets the backend's answer; the shadow got a copy of the request and its body
            byte[] body = new byte[10_000];
            java.util.Arrays.fill(body, (byte) 'm');
            HttpResponse<String> mirrored = http.send("POST", "http://127.0.0.1:" + mirrorPort + "/orders",
                    "application/octet-stream", new String(body, StandardCharsets.US_ASCII));
            assertEquals(200, mirrored.statusCode());
            assertEquals("fast", mirrored.body());
            await().atMost(30, SECONDS).until(() -> shadowSeen.get() == 1);
            assertEquals(10_000, shadowBytes.get());

            // no buffer leaked: collect garbage in the gateway (unreleased buffers are reported when their wrapper
            // is collected, at the next tracked allocation), make more requests, read the log
            ProcessHandle jvm = gatewayJvm();
            String cmd = commandLine(jvm);
            assertTrue("the gateway runs with " + LEAK_DETECTION + " last: " + cmd,
                    cmd.lastIndexOf(LEAK_DETECTION) > cmd.lastIndexOf("-Dio.netty.leakDetection.level=disabled"));
            Path jcmd = Paths.get(System.getProperty("java.home"), "bin", "jcmd");
            for (int round = 0; round < 2; round++) {
                Process gc = new ProcessBuilder(jcmd.toString(), Long.toString(jvm.pid()), "GC.run")
                        .redirectErrorStream(true).start();
                assertTrue("jcmd GC.run ended", gc.waitFor(60, SECONDS));
                for (int i = 0; i < 20; i++) {
                    assertEquals(200, http.send("POST", "http://127.0.0.1:" + mirrorPort + "/orders",
                            "application/octet-stream", "after gc " + i).statusCode());
                }
            }
            await().atMost(30, SECONDS).until(() -> shadowSeen.get() == 41);
            String log = Files.readString(karaf.home().resolve("data/log/karaf.log"), StandardCharsets.UTF_8);
            assertTrue("no buffer leak reported: " + leakLines(log), leakLines(log).isEmpty());
        } finally {
            slow.close();
            stop(fast);
            stop(shadow);
        }
    }

    private static List<String> leakLines(String log) {
        return log.lines().filter(l -> l.contains("LEAK:")).limit(5).toList();
    }
}
