package io.gatehouse.core.internal.config;

import static io.gatehouse.core.internal.config.Fixture.pipeline;
import static org.awaitility.Awaitility.await;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.gatehouse.api.config.ConfigFormat;
import io.gatehouse.api.config.ObjectStatus;
import io.gatehouse.core.internal.testkit.MemoryLog;
import io.gatehouse.core.internal.testkit.TestKind;
import io.gatehouse.dataplane.internal.DataPlaneSettings;
import io.gatehouse.dataplane.internal.NettyDataPlane;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

/** The core on the real Netty data plane: HTTP requests on 127.0.0.1, ephemeral ports. */
public class EndToEndTest {
    private final MemoryLog log = new MemoryLog();
    private NettyDataPlane dataPlane;
    private CoreConfigService service;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @Before
    public void start() throws Exception {
        dataPlane = new NettyDataPlane(DataPlaneSettings.defaults().withEventLoops(1).withTransport("nio"));
        service = new CoreConfigService(log, dataPlane);
        service.addKind(new TestKind("mock"), 0, 1, "test", "1");
        TestKind stopped = new TestKind("absent");
        service.addKind(stopped, 0, 2, "stopped", "1");
        service.removeKind(stopped);
        service.start(Fixture.config("/nonexistent.yaml", 100));
    }

    @After
    public void stop() {
        service.deactivate();
        dataPlane.close();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private void apply(String yaml) throws Exception {
        service.apply(service.parse(yaml.getBytes(StandardCharsets.UTF_8), ConfigFormat.YAML));
    }

    private HttpResponse<String> get(int port, String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String server(int port) {
        return """
                kind: HTTPServer
                name: web
                spec:
                  address: 127.0.0.1
                  port: %d
                  rules:
                    - path: /hello
                      pipeline: demo
                    - pathPrefix: /later/
                      pipeline: later
                """.formatted(port);
    }

    @Test
    public void routesRequestsThroughPipelinesAndAnswersErrorsAsJson() throws Exception {
        int port = freePort();
        apply(pipeline("demo", "mock", "{status: 204}") + "---\n" + pipeline("later", "absent", "{}") + "---\n"
                + server(port));

        assertEquals(204, get(port, "/hello").statusCode());

        HttpResponse<String> missing = get(port, "/nothing");
        assertEquals(404, missing.statusCode());
        assertTrue(missing.body(), missing.body().contains("\"error\":\"no_route\""));
        assertEquals("application/json", missing.headers().firstValue("content-type").orElse("").split(";")[0]);

        HttpResponse<String> unavailable = get(port, "/later/x");
        assertEquals(503, unavailable.statusCode());
        assertTrue(unavailable.body(), unavailable.body().contains(
                "pipeline 'later' is unavailable: plugin kind 'absent' is not installed"));
    }

    @Test
    public void movingTheServerReleasesTheOldPort() throws Exception {
        int first = freePort();
        apply(pipeline("demo", "mock", "{status: 200}") + "---\n" + pipeline("later", "mock", "{}") + "---\n"
                + server(first));
        assertEquals(200, get(first, "/hello").statusCode());
        int second = freePort();
        apply(server(second));
        assertEquals(200, get(second, "/hello").statusCode());
        assertThrows(IOException.class, () -> get(first, "/hello"));
    }

    @Test
    public void serversSwapPortsWithoutRebinding() throws Exception {
        int a = freePort();
        int b = freePort();
        String servers = """
                kind: HTTPServer
                name: one
                spec: {address: 127.0.0.1, port: %d, rules: [{pipeline: demo}]}
                ---
                kind: HTTPServer
                name: two
                spec: {address: 127.0.0.1, port: %d, rules: [{pipeline: later}]}
                """;
        apply(pipeline("demo", "mock", "{status: 200}") + "---\n" + pipeline("later", "mock", "{status: 202}")
                + "---\n" + servers.formatted(a, b));
        assertEquals(200, get(a, "/").statusCode());
        assertEquals(202, get(b, "/").statusCode());
        apply(servers.formatted(b, a));
        assertEquals(202, get(a, "/").statusCode());
        assertEquals(200, get(b, "/").statusCode());
    }

    @Test
    public void aServerWhosePortWasBusyAtReplayServesOnceThePortIsFree() throws Exception {
        int port = freePort();
        apply(pipeline("demo", "mock", "{status: 200}") + "---\n" + pipeline("later", "mock", "{status: 202}")
                + "---\n" + server(port));
        assertEquals(200, get(port, "/hello").statusCode());
        long index = service.appliedIndex();
        service.deactivate();

        try (ServerSocket squatter = new ServerSocket()) {
            squatter.setReuseAddress(true);
            // the closed listener lets go of the port asynchronously
            await().atMost(Duration.ofSeconds(10)).ignoreException(BindException.class).until(() -> {
                squatter.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
                return true;
            });
            service = new CoreConfigService(log, dataPlane);
            service.bindRetryJitter = () -> 1.0;
            service.addKind(new TestKind("mock"), 0, 1, "test", "1");
            service.start(Fixture.config("/nonexistent.yaml", 100));
            ObjectStatus waiting = service.status("HTTPServer", "web").orElseThrow();
            assertFalse(waiting.ready());
            assertEquals("port 127.0.0.1:" + port + " in use, retrying in 1s (attempt 1)", waiting.reason());
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> service.status("HTTPServer", "web").orElseThrow().ready());
        assertEquals(200, get(port, "/hello").statusCode());
        assertEquals(202, get(port, "/later/x").statusCode());
        assertEquals("binding again wrote nothing", index, service.appliedIndex());
    }
}
