package io.gatehouse.itests;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.awaitility.Awaitility.await;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gatehouse.api.config.ConfigService;
import io.gatehouse.api.log.LogListener;
import io.gatehouse.api.log.OperationLog;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.inject.Inject;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;

/**
 * The gateway inside the real Karaf assembly: objects applied through the admin API, a request proxied to
 * a real upstream, requests routed on their normalized path and slow heads answered 408, a plugin bundle
 * stopped (503 naming the kind, other pipelines unaffected) and started again (200 without re-applying
 * anything).
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class GatewayIT extends GatehouseKarafTestSupport {

    private static final String UPSTREAM_PORT_PROPERTY = "gatehouse.it.upstreamPort";
    private static Server upstream;
    private static int upstreamPort;
    private final Http http = new Http();

    @Inject
    private BundleContext context;

    @Inject
    private ConfigService config;

    /**
     * Runs in the test driver JVM before the container starts: the upstream is a real server in another
     * process than the gateway, and its port reaches the in-container tests as a system property.
     */
    @Configuration
    public Option[] configuration() throws Exception {
        startUpstream();
        Option[] base = baseConfiguration();
        Option[] all = java.util.Arrays.copyOf(base, base.length + 1);
        all[base.length] = systemProperty(UPSTREAM_PORT_PROPERTY).value(String.valueOf(upstreamPort));
        return all;
    }

    private static synchronized void startUpstream() throws Exception {
        if (upstream != null) {
            return;
        }
        QueuedThreadPool threads = new QueuedThreadPool(16, 2);
        threads.setDaemon(true);
        upstream = new Server(threads);
        // accept %2F in paths: the test checks that the gateway forwards the target byte-exact
        HttpConfiguration http = new HttpConfiguration();
        http.setUriCompliance(UriCompliance.UNSAFE);
        ServerConnector connector = new ServerConnector(upstream, new HttpConnectionFactory(http));
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        upstream.addConnector(connector);
        upstream.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                String body = "upstream saw " + request.getMethod() + " " + request.getHttpURI().getPathQuery()
                        + " xff=" + request.getHeaders().get("X-Forwarded-For") + "\n";
                response.setStatus(200);
                response.getHeaders().put("Content-Type", "text/plain");
                response.write(true, ByteBuffer.wrap(body.getBytes(StandardCharsets.UTF_8)), callback);
                return true;
            }
        });
        upstream.start();
        upstreamPort = connector.getLocalPort();
        // The upstream lives in this driver JVM while the tests run in the container: stop it when the
        // driver exits (its threads are daemons, so they never hold the JVM up).
        Server started = upstream;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                started.stop();
            } catch (Exception e) {
                throw new IllegalStateException("stopping the test upstream failed", e);
            }
        }, "it-upstream-stop"));
    }


    /** A pipeline with only the proxy plugin (to the test upstream) and a server on {@code port} routing to it. */
    private static String proxiedServer(String name, int port) {
        return """
                kind: Pipeline
                name: %1$s
                spec:
                  plugins:
                    - name: backend
                      kind: proxy
                      spec:
                        pools:
                          - servers:
                              - url: http://127.0.0.1:%2$d
                ---
                kind: HTTPServer
                name: %1$s
                spec:
                  address: 127.0.0.1
                  port: %3$d
                  rules:
                    - pathPrefix: /
                      pipeline: %1$s
                """.formatted(name, Integer.getInteger(UPSTREAM_PORT_PROPERTY), port);
    }

    /**
     * Writes go through the cluster service (a one-node group here), which joins a few seconds after the core
     * and the admin API start: every test begins once this node leads.
     */
    @Before
    public void awaitWritable() {
        await("this node leads its one-node group").atMost(120, SECONDS)
                .until(() -> http.writable(admin("")));
    }

    @Test
    public void everyGatehouseBundleIsActive() throws Exception {
        for (String name : new String[] {"gatehouse-api", "gatehouse-store", "gatehouse-dataplane", "gatehouse-core",
            "gatehouse-admin", "gatehouse-cluster", "com.hazelcast", "gatehouse-plugin-proxy", "gatehouse-plugin-mock"}) {
            assertEquals(name + " state", Bundle.ACTIVE, bundle(context, name).getState());
        }
        assertNotNull(config);
        // the cluster bundle's node (a one-node group) joins its own Hazelcast cluster and registers itself
        await("the cluster node is registered").atMost(60, SECONDS)
                .until(() -> context.getServiceReference("io.gatehouse.cluster.internal.ClusterNode") != null);
        await().atMost(30, SECONDS).until(() -> http.status(admin("/api/v1/health")) == 200);
        // the core hears of commits through the log listener it registers itself (a follower applies what
        // replication commits only through it; without it, only the core's 1 s catch-up would)
        ServiceReference<?>[] listeners = context.getServiceReferences(LogListener.class.getName(), null);
        assertNotNull("a log listener is registered", listeners);
        assertTrue("the core's log listener is registered", java.util.Arrays.stream(listeners)
                .anyMatch(r -> r.getBundle().getSymbolicName().equals("gatehouse-core")));
        ServiceReference<?>[] bound = context.getServiceReferences(OperationLog.class.getName(), null);
        assertNotNull("the store's operation log is registered", bound);
        assertTrue("the store uses the core's listener", java.util.Arrays.stream(listeners)
                .anyMatch(r -> r.getUsingBundles() != null && java.util.Arrays.stream(r.getUsingBundles())
                        .anyMatch(b -> b.getSymbolicName().equals("gatehouse-store"))));
    }

    @Test
    public void proxiesThroughAPipelineAppliedWithTheAdminApi() throws Exception {
        int port = Ports.free();
        String yaml = proxiedServer("it-proxy", port);
        await().atMost(30, SECONDS).until(() -> http.status(admin("/api/v1/health")) == 200);
        HttpResponse<String> applied = http.send("POST", admin("/api/v1/apply"), "application/yaml", yaml);
        assertEquals(applied.body(), 200, applied.statusCode());

        HttpResponse<String> r = http.get("http://127.0.0.1:" + port + "/a%2Fb/c?x=1&y=%20");
        assertEquals(r.body(), 200, r.statusCode());
        assertEquals("upstream saw GET /a%2Fb/c?x=1&y=%20 xff=127.0.0.1\n", r.body());

        // the request is counted: by its server and its pipeline, on this node and in its (one-node) group
        for (String scope : new String[] {"node", "group"}) {
            JsonNode stats = new ObjectMapper().readTree(http.get(admin("/api/v1/stats?scope=" + scope)).body());
            assertEquals(stats.toString(), scope, stats.path("scope").asText());
            assertTrue(stats.toString(), stats.at("/nodes/0/answered").asBoolean());
            assertEquals(stats.toString(), 1, stats.at("/servers/it-proxy/requests").asLong());
            assertEquals(stats.toString(), 1, stats.at("/servers/it-proxy/status/2xx").asLong());
            assertEquals(stats.toString(), 1, stats.at("/pipelines/it-proxy/latencyMs/count").asLong());
            assertTrue(stats.toString(), stats.at("/pipelines/it-proxy/latencyMs/max").asDouble() > 0);
        }
        // and scraped by Prometheus (the admin API's /metrics, with a token)
        HttpResponse<String> metrics = http.get(admin("/metrics"));
        assertEquals(metrics.body(), 200, metrics.statusCode());
        assertTrue(metrics.body(), metrics.body().contains("gatehouse_requests_total{code=\"2xx\",server=\"it-proxy\"} 1.0"));
        assertTrue(metrics.body(), metrics.body().contains(
                "gatehouse_pipeline_request_duration_seconds_count{pipeline=\"it-proxy\"} 1"));
        assertTrue(metrics.body(), metrics.body().contains("gatehouse_cluster_role{group=\"default\",role=\"leader\"} 1.0"));
        // the rule that routed it
        assertTrue(metrics.body(), metrics.body().matches("(?s).*gatehouse_route_requests_total\\{code=\"2xx\",[^}]*"
                + "pipeline=\"it-proxy\",rule=\"0\",server=\"it-proxy\"} 1\\.0.*"));
        // its one upstream call, and its time split into upstream and gateway time
        assertTrue(metrics.body(), metrics.body().contains("gatehouse_upstream_attempts_total{server=\"it-proxy\"} 1.0"));
        assertTrue(metrics.body(), metrics.body().contains(
                "gatehouse_upstream_duration_seconds_count{server=\"it-proxy\"} 1"));
        assertTrue(metrics.body(), metrics.body().contains(
                "gatehouse_gateway_duration_seconds_count{server=\"it-proxy\"} 1"));
        assertTrue(metrics.body(), metrics.body().contains("gatehouse_connections_open{server=\"it-proxy\"}"));
        assertEquals(401, http.token(null).get(admin("/metrics")).statusCode());

        // the request is a JSON line of data/log/access.log, the apply a line of data/log/audit.log
        java.nio.file.Path logs = java.nio.file.Path.of(System.getProperty("karaf.log"));
        await().atMost(30, SECONDS).until(() -> lines(logs.resolve("access.log")).stream()
                .anyMatch(l -> l.contains("\"server\":\"it-proxy\"") && l.contains("\"status\":200")
                        && l.contains("\"pipeline\":\"it-proxy\"") && l.contains("\"upstream\":\"127.0.0.1:")));
        JsonNode access = new ObjectMapper().readTree(lines(logs.resolve("access.log")).stream()
                .filter(l -> l.contains("\"server\":\"it-proxy\"")).findFirst().orElseThrow());
        assertEquals(access.toString(), "GET", access.path("method").asText());
        assertEquals(access.toString(), "127.0.0.1", access.path("client").asText());
        assertTrue(access.toString(), access.path("bytesOut").asLong() > 0);
        assertEquals(access.toString(), 1, access.path("attempts").asInt());
        assertTrue(access.toString(), access.path("upstreamMs").asDouble() > 0);
        assertTrue(lines(logs.resolve("audit.log")).stream().anyMatch(l -> l.contains("\"target\":\"/api/v1/apply\"")
                && l.contains("\"token\":\"bootstrap\"") && l.contains("\"name\":\"it-proxy\"")));
    }

    private static java.util.List<String> lines(java.nio.file.Path file) throws java.io.IOException {
        return java.nio.file.Files.exists(file) ? java.nio.file.Files.readAllLines(file) : java.util.List.of();
    }

    @Test
    public void routesOnTheNormalizedPathAndTimesOutSlowRequestHeads() throws Exception {
        int port = Ports.free();
        String yaml = """
                kind: Pipeline
                name: it-guard
                spec:
                  plugins:
                    - name: guard
                      kind: mock
                      spec:
                        status: 403
                        body: "guarded\\n"
                ---
                kind: Pipeline
                name: it-open
                spec:
                  plugins:
                    - name: backend
                      kind: proxy
                      spec:
                        pools:
                          - servers:
                              - url: http://127.0.0.1:%d
                ---
                kind: HTTPServer
                name: it-norm
                spec:
                  address: 127.0.0.1
                  port: %d
                  requestHeadTimeout: 1s
                  rules:
                    - pathPrefix: /dead/
                      pipeline: it-guard
                    - pathPrefix: /
                      pipeline: it-open
                """.formatted(Integer.getInteger(UPSTREAM_PORT_PROPERTY), port);
        await().atMost(30, SECONDS).until(() -> http.status(admin("/api/v1/health")) == 200);
        HttpResponse<String> applied = http.send("POST", admin("/api/v1/apply"), "application/yaml", yaml);
        assertEquals(applied.body(), 200, applied.statusCode());

        for (String target : new String[] {"/dead/x", "/t3/../dead/x", "//dead/x", "/%64ead/x", "/%2e%2E/dead/x",
            "http://other.example/dead/x"}) {
            String r = RawHttp.exchange(port, "GET " + target + " HTTP/1.1\r\nHost: host.example\r\n"
                    + "Connection: close\r\n\r\n");
            assertEquals(target + ": " + r, 403, RawHttp.status(r));
            assertEquals(target, "guarded\n", RawHttp.body(r));
        }
        String open = RawHttp.exchange(port, "GET /a/../ok%2Fx?q=%2F HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
        assertEquals(open, "upstream saw GET /ok%2Fx?q=%2F xff=127.0.0.1\n", RawHttp.body(open));
        for (String target : new String[] {"dead/x", "*/dead/x", "/a%zz"}) {
            String r = RawHttp.exchange(port, "GET " + target + " HTTP/1.1\r\nHost: h\r\n\r\n");
            assertEquals(target + ": " + r, 400, RawHttp.status(r));
        }
        String badHost = RawHttp.exchange(port, "GET / HTTP/1.1\r\nHost: u@evil\r\n\r\n");
        assertEquals(badHost, 400, RawHttp.status(badHost));
        String version = RawHttp.exchange(port, "GET / HTTP/3.0\r\nHost: h\r\n\r\n");
        assertEquals(version, 505, RawHttp.status(version));

        // a head that never completes: 408 once requestHeadTimeout (1s) has passed
        long start = System.nanoTime();
        String slow = RawHttp.exchange(port, "GET /slow HTTP/1.1\r\nHo");
        long took = (System.nanoTime() - start) / 1_000_000;
        assertEquals(slow, 408, RawHttp.status(slow));
        assertTrue("408 after " + took + " ms", took >= 900 && took < 8000);
    }

    @Test
    public void stoppingAPluginBundleAffectsOnlyPipelinesThatUseItUntilItStartsAgain() throws Exception {
        int port = Ports.free();
        String yaml = """
                kind: Pipeline
                name: it-stop-proxied
                spec:
                  plugins:
                    - name: backend
                      kind: proxy
                      spec:
                        pools:
                          - servers:
                              - url: http://127.0.0.1:%d
                ---
                kind: Pipeline
                name: it-stop-mocked
                spec:
                  plugins:
                    - name: hello
                      kind: mock
                      spec:
                        body: "mocked\\n"
                ---
                kind: HTTPServer
                name: it-stop
                spec:
                  address: 127.0.0.1
                  port: %d
                  rules:
                    - pathPrefix: /mock
                      pipeline: it-stop-mocked
                    - pathPrefix: /
                      pipeline: it-stop-proxied
                """.formatted(Integer.getInteger(UPSTREAM_PORT_PROPERTY), port);
        await().atMost(30, SECONDS).until(() -> http.status(admin("/api/v1/health")) == 200);
        HttpResponse<String> applied = http.send("POST", admin("/api/v1/apply"), "application/yaml", yaml);
        assertEquals(applied.body(), 200, applied.statusCode());
        String proxied = "http://127.0.0.1:" + port + "/p";
        String mocked = "http://127.0.0.1:" + port + "/mock";
        assertEquals(200, http.status(proxied));
        long appliedIndex = config.appliedIndex();

        // load on both routes while the proxy bundle goes away and comes back
        AtomicBoolean running = new AtomicBoolean(true);
        ExecutorService load = Executors.newFixedThreadPool(2);
        Future<int[]> mockedLoad = load.submit(() -> hammer(mocked, running));
        Future<int[]> proxiedLoad = load.submit(() -> hammer(proxied, running));
        Bundle proxy = bundle(context, "gatehouse-plugin-proxy");
        try {
            await().atMost(10, SECONDS).until(() -> http.status(mocked) == 200);
            proxy.stop();
            await().atMost(10, SECONDS).until(() -> http.status(proxied) == 503);
            HttpResponse<String> unavailable = http.get(proxied);
            assertTrue(unavailable.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
            assertTrue(unavailable.body(), unavailable.body().contains("plugin kind 'proxy'"));
            HttpResponse<String> notReady = http.get(admin("/api/v1/objects/Pipeline/it-stop-proxied"));
            assertEquals(notReady.body(), 200, notReady.statusCode());
            int reason = notReady.body().indexOf("\"status\":{\"ready\":false,\"reason\":\"");
            assertTrue(notReady.body(), reason >= 0 && notReady.body().indexOf("proxy", reason) > reason);
            HttpResponse<String> stillMocked = http.get(mocked);
            assertEquals(200, stillMocked.statusCode());
            assertEquals("mocked\n", stillMocked.body());
        } finally {
            proxy.start();
        }
        await().atMost(10, SECONDS).until(() -> http.status(proxied) == 200);
        HttpResponse<String> ready = http.get(admin("/api/v1/objects/Pipeline/it-stop-proxied"));
        assertTrue(ready.body(), ready.body().contains("\"status\":{\"ready\":true}"));
        assertEquals("nothing was re-applied", appliedIndex, config.appliedIndex());
        running.set(false);
        load.shutdown();
        int[] m = mockedLoad.get(30, SECONDS);
        int[] p = proxiedLoad.get(30, SECONDS);
        assertTrue("requests were sent during the bundle stop/start", m[0] > 0 && p[0] > 0);
        assertEquals("every request of the pipeline without the proxy succeeded", m[0], m[1]);
        assertEquals("requests of the proxied pipeline got 200 or 503, nothing else", p[0], p[1] + p[2]);
        assertTrue(load.awaitTermination(30, SECONDS));
    }

    /** Sends requests until told to stop (at most 100,000): {sent, 200s, 503s}. */
    private int[] hammer(String url, AtomicBoolean running) {
        Http client = new Http();
        int sent = 0;
        int ok = 0;
        int unavailable = 0;
        while (running.get() && sent < 100_000) {
            int status = client.status(url);
            sent++;
            if (status == 200) {
                ok++;
            } else if (status == 503) {
                unavailable++;
            }
        }
        return new int[] {sent, ok, unavailable};
    }

    @Test
    public void servesH2cAndHttp11OnTheSamePort() throws Exception {
        int port = Ports.free();
        String yaml = proxiedServer("it-h2c", port);
        await().atMost(30, SECONDS).until(() -> http.status(admin("/api/v1/health")) == 200);
        HttpResponse<String> applied = http.send("POST", admin("/api/v1/apply"), "application/yaml", yaml);
        assertEquals(applied.body(), 200, applied.statusCode());

        HttpClient h2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2)
                .connectTimeout(Duration.ofSeconds(10)).build();
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> r = h2.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/h2?i=" + i))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(r.body(), 200, r.statusCode());
            assertEquals("upgraded to h2c", HttpClient.Version.HTTP_2, r.version());
            assertEquals("upstream saw GET /h2?i=" + i + " xff=127.0.0.1\n", r.body());
        }
        HttpResponse<String> h1 = http.get("http://127.0.0.1:" + port + "/h1");
        assertEquals(HttpClient.Version.HTTP_1_1, h1.version());
        assertEquals("upstream saw GET /h1 xff=127.0.0.1\n", h1.body());
    }

    @Test
    public void aPortInUseIsAConflictAndNothingIsApplied() throws Exception {
        await().atMost(30, SECONDS).until(() -> http.status(admin("/api/v1/health")) == 200);
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            long before = config.appliedIndex();
            String yaml = """
                    kind: Pipeline
                    name: it-port
                    spec:
                      plugins:
                        - name: hello
                          kind: mock
                    ---
                    kind: HTTPServer
                    name: it-port
                    spec:
                      address: 127.0.0.1
                      port: %d
                      rules:
                        - pipeline: it-port
                    """.formatted(taken.getLocalPort());
            HttpResponse<String> r = http.send("POST", admin("/api/v1/apply"), "application/yaml", yaml);
            assertEquals(r.body(), 409, r.statusCode());
            assertTrue(r.body(), r.body().contains("$[1].spec.port"));
            assertEquals("nothing logged or applied", before, config.appliedIndex());
            assertEquals("the pipeline of the refused batch was not applied either", 404,
                    http.status(admin("/api/v1/objects/Pipeline/it-port")));
        }
    }

    @Test
    public void invalidObjectIsRejectedWithItsPathAndNothingIsApplied() throws Exception {
        await().atMost(30, SECONDS).until(() -> http.status(admin("/api/v1/health")) == 200);
        long before = config.appliedIndex();
        String badValues = "{\"kind\":\"HTTPServer\",\"name\":\"it-bad\",\"spec\":{\"port\":70000,"
                + "\"rules\":[{\"pathRegex\":\"([\",\"pipeline\":\"p\"}]}}";
        HttpResponse<String> r = http.send("POST", admin("/api/v1/objects"), "application/json", badValues);
        assertEquals(r.body(), 400, r.statusCode());
        assertTrue(r.body(), r.body().contains("$.spec.port"));
        assertTrue(r.body(), r.body().contains("$.spec.rules[0].pathRegex"));

        String danglingReference = "{\"kind\":\"HTTPServer\",\"name\":\"it-bad\",\"spec\":{\"port\":" + Ports.free()
                + ",\"address\":\"127.0.0.1\",\"rules\":[{\"pathPrefix\":\"/\",\"pipeline\":\"does-not-exist\"}]}}";
        r = http.send("POST", admin("/api/v1/objects"), "application/json", danglingReference);
        assertEquals(r.body(), 400, r.statusCode());
        assertTrue(r.body(), r.body().contains("$.spec.rules[0].pipeline"));

        r = http.send("POST", admin("/api/v1/objects"), "application/yaml", "kind: Pipeline\nname: [unclosed\n");
        assertEquals(r.body(), 400, r.statusCode());
        assertTrue(r.body(), r.body().contains("line"));
        assertEquals(before, config.appliedIndex());
        assertEquals(404, http.status(admin("/api/v1/objects/HTTPServer/it-bad")));
    }

    @Test
    public void badInputIsRefusedWithItsPathAndUpstreamFailuresAreToldInPlainWords() throws Exception {
        await().atMost(30, SECONDS).until(() -> http.status(admin("/api/v1/health")) == 200);
        long before = config.appliedIndex();
        // a YAML alias (read by the core's SnakeYAML screen inside Karaf) and a timeout beyond its range
        String alias = "kind: Pipeline\nname: it-alias\nspec:\n  plugins:\n    - name: m\n      kind: mock\n"
                + "      spec: {headers: {X-A: &a one, X-B: *a}}\n";
        HttpResponse<String> r = http.send("POST", admin("/api/v1/objects"), "application/yaml", alias);
        assertEquals(r.body(), 400, r.statusCode());
        assertTrue(r.body(), r.body().contains("aliases (*a) are not accepted"));
        int dead = Ports.free();
        String huge = "kind: Pipeline\nname: it-refused\nspec:\n  plugins:\n    - name: backend\n      kind: proxy\n"
                + "      spec:\n        readTimeout: 999999999h\n        pools: [{servers: [{url: 'http://127.0.0.1:" + dead
                + "'}]}]\n";
        r = http.send("POST", admin("/api/v1/objects"), "application/yaml", huge);
        assertEquals(r.body(), 400, r.statusCode());
        assertTrue(r.body(), r.body().contains("$.spec.plugins[0].spec.readTimeout"));
        assertEquals(before, config.appliedIndex());

        int port = Ports.free();
        String refused = huge.replace("999999999h", "5s") + """
                ---
                kind: HTTPServer
                name: it-refused
                spec:
                  address: 127.0.0.1
                  port: %d
                  rules:
                    - pipeline: it-refused
                """.formatted(port);
        r = http.send("POST", admin("/api/v1/apply"), "application/yaml", refused);
        assertEquals(r.body(), 200, r.statusCode());
        HttpResponse<String> answer = http.get("http://127.0.0.1:" + port + "/x");
        assertEquals(answer.body(), 502, answer.statusCode());
        assertTrue(answer.body(), answer.body().contains("\"message\":\"upstream 127.0.0.1:" + dead
                + ": connection refused\""));
    }
}
