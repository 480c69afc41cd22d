package io.gatehouse.itests;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.awaitility.Awaitility.await;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.gatehouse.dataplane.TestCertificates;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.After;
import org.junit.Test;

/**
 * The {@code ./gatehouse} launcher as a newcomer meets it: it must not take another process on its ports
 * for the gateway it started, it must say when a server could not bind its port (and the server must come
 * up once the port is free), every example in docs/examples must apply to the gateway it starts, and the
 * applied configuration must survive a rebuild of the distribution.
 */
public class LauncherIT {
    private static final Pattern PORT = Pattern.compile("(?m)^\\s*port: (\\d+)\\s*$");

    private final Http http = new Http();
    private final ObjectMapper json = new ObjectMapper();
    private final List<AutoCloseable> cleanups = new ArrayList<>();

    @After
    public void cleanUp() throws Exception {
        for (int i = cleanups.size() - 1; i >= 0; i--) {
            cleanups.get(i).close();
        }
    }

    private Launcher launcher() throws Exception {
        Path parent = Paths.get(System.getProperty("project.build.directory", "target"), "launcher-it-" + System.nanoTime());
        Launcher launcher = new Launcher(parent, Ports.free(), Ports.free());
        cleanups.add(launcher);
        return launcher;
    }

    /** Another program on a port: answers every request with 200 and a health-like body. Closing frees it. */
    private AutoCloseable squat(int port) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        server.createContext("/", exchange -> {
            byte[] body = "{\"status\":\"UP\"}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        AtomicReference<HttpServer> ref = new AtomicReference<>(server);
        AutoCloseable release = () -> {
            HttpServer s = ref.getAndSet(null);
            if (s != null) {
                s.stop(0);
            }
        };
        cleanups.add(release);
        return release;
    }

    /** A GET with its own Host header, on a plain socket (the JDK client does not let a caller set Host). */
    private static String getWithHost(int port, String path, String host) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: " + host
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return response.substring(response.indexOf("\r\n\r\n") + 4);
        }
    }

    @Test
    public void anotherProcessOnTheAdminPortIsNeverTakenForTheGateway() throws Exception {
        Launcher gatehouse = launcher();
        squat(Integer.parseInt(gatehouse.admin("").replaceAll(".*:", "")));

        Launcher.Result start = gatehouse.run("start");
        assertEquals(start.output(), 1, start.exit());
        assertTrue(start.output(), start.output().contains("(admin API) is already in use by another process"));
        assertTrue(start.output(), start.output().contains("not a Gatehouse node"));
        assertFalse(start.output(), start.output().contains("up after"));
        assertTrue("nothing was started", gatehouse.karaf().isEmpty());

        Launcher.Result stopped = gatehouse.run("status");
        assertEquals(stopped.output(), 3, stopped.exit());
        assertTrue(stopped.output(), stopped.output().contains("not running"));
        assertTrue(stopped.output(), stopped.output().contains("is answered by another process"));

        // started by hand, past the launcher's check: its admin API cannot bind, and status must not
        // report the other process's answer as this node's health
        gatehouse.startByHand();
        await().atMost(180, SECONDS).pollInterval(2, SECONDS).until(() -> gatehouse.run("status").exit() != 3);
        Launcher.Result status = gatehouse.run("status");
        assertEquals(status.output(), 1, status.exit());
        assertTrue(status.output(), status.output().contains("NOT healthy: port " + gatehouse.admin("")
                .replaceAll(".*:", "") + " is answered by another process"));
        assertTrue(status.output(), status.output().contains("not a Gatehouse node"));
        assertFalse(status.output(), status.output().contains("healthy: every object"));

        Launcher.Result stop = gatehouse.run("stop");
        assertEquals(stop.output(), 0, stop.exit());
        assertTrue("the JVM is gone", gatehouse.karaf().isEmpty());
    }

    /**
     * An admin API on HTTPS (GATEHOUSE_ADMIN_TLS_CERTIFICATE and _KEY): the launcher starts the node, finds it up
     * and healthy over HTTPS trusting that certificate only, remembers it for later commands, and does not
     * take a node presenting another certificate for it.
     */
    @Test
    public void theLauncherTalksToAnHttpsAdminApiTrustingItsCertificateOnly() throws Exception {
        Launcher gatehouse = launcher();
        Path tls = Files.createDirectories(gatehouse.runtime().resolveSibling("tls"));
        TestCertificates.Issued certificate = TestCertificates.issue("admin");
        certificate.write(tls.resolve("admin.crt"), tls.resolve("admin.key"));
        gatehouse.env("GATEHOUSE_ADMIN_TLS_CERTIFICATE", tls.resolve("admin.crt").toString());
        gatehouse.env("GATEHOUSE_ADMIN_TLS_KEY", tls.resolve("admin.key").toString());
        String adminUrl = gatehouse.admin("/api/v1/").replace("http://", "https://");

        Launcher.Result start = gatehouse.run("start");
        assertEquals(start.output(), 0, start.exit());
        assertTrue(start.output(), start.output().contains("up after"));
        assertTrue(start.output(), start.output().contains("admin API " + adminUrl));
        String token = Files.readString(gatehouse.runtime().resolve("data/admin.token")).trim();
        HttpResponse<String> objects = java.net.http.HttpClient.newBuilder().sslContext(certificate.trusting()).build()
                .send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(adminUrl + "objects"))
                        .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(objects.body(), 200, objects.statusCode());
        assertNotEquals("plain HTTP is not served", 200, http.status(gatehouse.admin("/api/v1/health")));

        // later commands need no variable: the node's certificate is remembered while it runs
        gatehouse.env("GATEHOUSE_ADMIN_TLS_CERTIFICATE", null);
        gatehouse.env("GATEHOUSE_ADMIN_TLS_KEY", null);
        Launcher.Result status = gatehouse.run("status");
        assertEquals(status.output(), 0, status.exit());
        assertTrue(status.output(), status.output().contains("admin API " + adminUrl));
        assertTrue(status.output(), status.output().contains("healthy: every object is serving"));

        // a node presenting another certificate than the one the launcher trusts is not this node
        Path launchTls = gatehouse.runtime().resolve("launch.tls");
        TestCertificates.Issued other = TestCertificates.issue("admin");
        other.write(tls.resolve("other.crt"), tls.resolve("other.key"));
        Files.writeString(launchTls, tls.resolve("other.crt") + "\n");
        Launcher.Result impostor = gatehouse.run("status");
        assertEquals(impostor.output(), 1, impostor.exit());
        assertFalse(impostor.output(), impostor.output().contains("healthy: every object"));
        assertTrue(impostor.output(), impostor.output().contains("no HTTPS answer with the certificate in " + tls
                .resolve("other.crt")));
        Files.writeString(launchTls, tls.resolve("admin.crt") + "\n");

        // a certificate from a CA, its file holding the chain: the launcher trusts the file's first certificate
        // alone, never the CA in it (any server with a certificate from that CA would get the token)
        TestCertificates.Issued ca = TestCertificates.authority("launcher-ca");
        TestCertificates.Issued node = ca.sign("admin-node");
        Files.writeString(tls.resolve("admin.key.new"), node.keyPem());
        Files.writeString(tls.resolve("admin.crt.new"), node.certificatePem() + ca.certificatePem());
        Files.move(tls.resolve("admin.key.new"), tls.resolve("admin.key"), StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
        Files.move(tls.resolve("admin.crt.new"), tls.resolve("admin.crt"), StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
        await("the node serves the renewed chain").atMost(60, SECONDS).pollInterval(2, SECONDS)
                .until(() -> gatehouse.run("status").exit() == 0);
        TestCertificates.Issued sibling = ca.sign("admin-sibling");
        Files.writeString(tls.resolve("sibling.crt"), sibling.certificatePem() + ca.certificatePem());
        Files.writeString(launchTls, tls.resolve("sibling.crt") + "\n");
        Launcher.Result sameCa = gatehouse.run("status");
        assertEquals("another certificate of the same CA is not this node: " + sameCa.output(), 1, sameCa.exit());
        Files.writeString(launchTls, tls.resolve("admin.crt") + "\n");
        assertEquals(0, gatehouse.run("status").exit());
        // what the running JVM was started with wins over variables given to a later command
        gatehouse.env("GATEHOUSE_ADMIN_TLS_CERTIFICATE", tls.resolve("sibling.crt").toString());
        gatehouse.env("GATEHOUSE_ADMIN_TLS_KEY", tls.resolve("admin.key").toString());
        Launcher.Result withOthers = gatehouse.run("status");
        assertEquals(withOthers.output(), 0, withOthers.exit());
        gatehouse.env("GATEHOUSE_ADMIN_TLS_CERTIFICATE", null);
        gatehouse.env("GATEHOUSE_ADMIN_TLS_KEY", null);

        Launcher.Result stop = gatehouse.run("stop");
        assertEquals(stop.output(), 0, stop.exit());
        assertTrue("the JVM is gone", gatehouse.karaf().isEmpty());
    }

    @Test
    public void aTakenPortIsReportedTheExamplesApplyAndTheConfigurationSurvivesARebuild() throws Exception {
        Launcher gatehouse = launcher();
        int demo = gatehouse.httpPort();
        AutoCloseable squatter = squat(demo);

        // 1. the demo server's port is taken: start says so (exit 2) instead of "up", status is not healthy
        Launcher.Result start = gatehouse.run("start");
        assertEquals(start.output(), 2, start.exit());
        assertTrue(start.output(), start.output().contains("NOT every server is serving"));
        assertTrue(start.output(), start.output().contains("HTTPServer 'demo': port 127.0.0.1:" + demo
                + " in use, retrying in "));
        Launcher.Result unhealthy = gatehouse.run("status");
        assertEquals(unhealthy.output(), 1, unhealthy.exit());
        assertTrue(unhealthy.output(), unhealthy.output().contains("NOT healthy"));
        assertTrue(unhealthy.output(), unhealthy.output().contains("HTTPServer 'demo': port 127.0.0.1:" + demo
                + " in use"));
        JsonNode node = health(gatehouse).get("node");
        assertEquals("health names the JVM the launcher started", gatehouse.karaf().orElseThrow().pid(),
                node.get("pid").asLong());
        assertEquals(Files.readString(gatehouse.runtime().resolve("launch.id")).trim(), node.get("launchId").asText());

        // 2. the port frees: the server binds by itself, status turns healthy
        squatter.close();
        await().atMost(90, SECONDS).pollInterval(2, SECONDS).until(() -> gatehouse.run("status").exit() == 0);
        assertTrue(gatehouse.run("status").output().contains("healthy: every object is serving"));
        HttpResponse<String> welcome = http.get("http://127.0.0.1:" + demo + "/");
        assertEquals(200, welcome.statusCode());
        assertTrue(welcome.body(), welcome.body().contains("Welcome to Gatehouse"));

        // 3. the admin API: the first start generated its token into data/admin.token (owner-only), which
        // ./gatehouse token prints; without it, 401. The Karaf console's user got a generated password.
        Path tokenFile = gatehouse.runtime().resolve("data/admin.token");
        String token = Files.readString(tokenFile).trim();
        assertTrue(token, token.startsWith("gh_") && token.length() >= 40);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(tokenFile)));
        assertEquals(token, gatehouse.run("token").output().trim());
        assertEquals(401, http.token(null).get(gatehouse.admin("/api/v1/objects")).statusCode());
        assertEquals(401, http.get(gatehouse.admin("/api/v1/objects")).statusCode());
        Http admin = http.token(token);
        Path users = gatehouse.runtime().resolve("etc/users.properties");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(users)));
        Matcher karafUser = Pattern.compile("(?m)^karaf = ([^,]+),").matcher(Files.readString(users));
        assertTrue(Files.readString(users), karafUser.find());
        assertTrue("a generated password, not karaf", karafUser.group(1).length() >= 24);

        // 4. every example applies as written (ports moved to free ones), serves, and applies again as a no-op
        Map<Integer, Integer> ports = examplePorts(demo);
        Map<String, String> examples = examples(ports);
        assertTrue("more than one example ships: " + examples.keySet(), examples.size() > 1);
        for (Map.Entry<String, String> e : examples.entrySet()) {
            HttpResponse<String> applied = admin.send("POST", gatehouse.admin("/api/v1/apply"), "application/yaml",
                    e.getValue());
            assertEquals(e.getKey() + ": " + applied.body(), 200, applied.statusCode());
            for (JsonNode o : json.readTree(applied.body())) {
                assertEquals(e.getKey() + ": " + o, "created", o.get("change").asText());
            }
        }
        await().atMost(30, SECONDS).until(() -> health(gatehouse).get("notReady").isEmpty());
        checkExamples(ports, demo);
        long index = health(gatehouse).get("appliedIndex").asLong();
        for (Map.Entry<String, String> e : examples.entrySet()) {
            HttpResponse<String> again = admin.send("POST", gatehouse.admin("/api/v1/apply"), "application/yaml",
                    e.getValue());
            assertEquals(e.getKey() + ": " + again.body(), 200, again.statusCode());
            for (JsonNode o : json.readTree(again.body())) {
                assertEquals(e.getKey() + ": " + o, "unchanged", o.get("change").asText());
            }
        }
        assertEquals("applying the examples again logged nothing", index, health(gatehouse).get("appliedIndex").asLong());
        String objects = objects(gatehouse);
        String nodeId = node.get("id").asText();

        // 5. a rebuild replaces the distribution: the configuration lives in the runtime folder and survives
        assertEquals(0, gatehouse.run("stop").exit());
        gatehouse.rebuild();
        Launcher.Result restart = gatehouse.run("start");
        assertEquals(restart.output(), 0, restart.exit());
        assertTrue(restart.output(), restart.output().contains("up after"));
        // the restarted node leads its one-node group again: the new leadership's no-op is the one entry added
        await().atMost(60, SECONDS).until(() -> health(gatehouse).get("appliedIndex").asLong() == index + 1);
        JsonNode after = health(gatehouse);
        assertEquals(objects, objects(gatehouse));
        assertEquals("the same node", nodeId, after.get("node").get("id").asText());
        assertNotEquals("a new launch", node.get("launchId").asText(), after.get("node").get("launchId").asText());
        checkExamples(ports, demo);
        assertEquals(gatehouse.runtime().toString(), gatehouse.run("where").output().trim());
    }

    /** The node's health, as its own token sees it (the runtime's generated data/admin.token). */
    private JsonNode health(Launcher gatehouse) throws Exception {
        HttpResponse<String> r = http.token(Files.readString(gatehouse.runtime().resolve("data/admin.token")).trim())
                .get(gatehouse.admin("/api/v1/health"));
        assertEquals(r.body(), 200, r.statusCode());
        return json.readTree(r.body());
    }

    /** Every object as kind/name@revision, spec included. */
    private String objects(Launcher gatehouse) throws Exception {
        StringBuilder out = new StringBuilder();
        Http admin = http.token(Files.readString(gatehouse.runtime().resolve("data/admin.token")).trim());
        for (JsonNode o : json.readTree(admin.get(gatehouse.admin("/api/v1/objects")).body())) {
            out.append(o.get("kind").asText()).append('/').append(o.get("name").asText()).append('@')
                    .append(o.get("revision").asLong()).append(' ').append(o.get("spec")).append('\n');
        }
        return out.toString();
    }

    private static List<Path> exampleFiles() throws IOException {
        try (Stream<Path> files = Files.list(Path.of(System.getProperty("gatehouse.examples")))) {
            return files.filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml")).sorted()
                    .toList();
        }
    }

    /** Each port the examples listen on mapped to a free one; 10080 (the demo server) to the test's. */
    private static Map<Integer, Integer> examplePorts(int demo) throws IOException {
        Map<Integer, Integer> ports = new TreeMap<>();
        ports.put(10080, demo);
        Set<Integer> taken = new HashSet<>();
        for (Path f : exampleFiles()) {
            Matcher m = PORT.matcher(Files.readString(f, StandardCharsets.UTF_8));
            while (m.find()) {
                int port = Integer.parseInt(m.group(1));
                assertTrue(f + " listens twice on " + port, taken.add(port));
                ports.computeIfAbsent(port, p -> Ports.free());
            }
        }
        return ports;
    }

    /** The examples' text with only their port numbers changed (in {@code port:} and 127.0.0.1 URLs). */
    private static Map<String, String> examples(Map<Integer, Integer> ports) throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        for (Path f : exampleFiles()) {
            String text = Files.readString(f, StandardCharsets.UTF_8);
            for (Map.Entry<Integer, Integer> p : ports.entrySet()) {
                text = text.replaceAll("(?m)^(\\s*port: )" + p.getKey() + "\\s*$", "$1" + p.getValue())
                        .replace("127.0.0.1:" + p.getKey(), "127.0.0.1:" + p.getValue());
            }
            out.put(f.getFileName().toString(), text);
        }
        return out;
    }

    /** What the examples' comments promise. */
    private void checkExamples(Map<Integer, Integer> ports, int demo) throws Exception {
        String hello = "http://127.0.0.1:" + ports.get(10081);
        HttpResponse<String> echoed = http.get(hello + "/hello");
        assertEquals(echoed.body(), 200, echoed.statusCode());
        assertTrue(echoed.body(), echoed.body().contains("\"uri\":\"/hello\""));

        String lb = "http://127.0.0.1:" + ports.get(10082) + "/";
        Set<String> answers = new HashSet<>();
        for (int i = 0; i < 8; i++) {
            answers.add(http.get(lb).body());
        }
        assertEquals("round robin over both backends", Set.of("backend a\n", "backend b\n"), answers);
        for (int i = 0; i < 3; i++) {
            assertEquals("backend b\n", http.send("GET", lb, null, null, Map.of("X-Canary", "1")).body());
        }

        String stub = "http://127.0.0.1:" + ports.get(10083);
        HttpResponse<String> users = http.get(stub + "/api/users");
        assertEquals(200, users.statusCode());
        assertTrue(users.body(), users.body().contains("\"name\":\"Ada\""));
        HttpResponse<String> created = http.send("POST", stub + "/api/users", "application/json", "{}");
        assertEquals(201, created.statusCode());
        assertEquals("/api/users/3", created.headers().firstValue("Location").orElse(null));
        assertEquals(404, http.get(stub + "/api/orders").statusCode());

        String routes = "http://127.0.0.1:" + ports.get(10084);
        assertEquals(403, http.get(routes + "/internal/metrics").statusCode());
        assertEquals("routes-orders\n", http.get(routes + "/v2/orders/42").body());
        assertEquals("routes-beta\n", http.send("GET", routes + "/catalog", null, null, Map.of("X-Beta", "1")).body());
        assertEquals("routes-tenant\n", getWithHost(ports.get(10084), "/", "shop.example.test"));
        assertEquals("routes-default\n", http.get(routes + "/anything").body());
        assertEquals(200, http.get("http://127.0.0.1:" + demo + "/echo").statusCode());
    }
}
