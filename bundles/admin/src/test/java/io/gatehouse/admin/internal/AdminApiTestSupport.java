package io.gatehouse.admin.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gatehouse.api.config.ConfigService;
import java.io.IOException;
import java.lang.annotation.Annotation;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.After;
import org.junit.Before;

/** Starts the real admin server on an ephemeral loopback port over a {@link FakeConfigService}. */
abstract class AdminApiTestSupport {
    static final Duration TIMEOUT = Duration.ofSeconds(10);
    static final String YAML = "application/yaml";
    /** The node's bootstrap token in these tests (every request of {@link #request} carries it). */
    static final String TOKEN = "gh_test-bootstrap-token-0123456789abcdef";
    static final String TOKEN_SHA256 = AdminTokens.hash(TOKEN);

    final ObjectMapper json = new ObjectMapper();
    static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(TIMEOUT).build();
    FakeConfigService service;
    AdminServer server;

    @Before
    public void startServer() {
        service = new FakeConfigService();
        server = new AdminServer(service, settings(0, "16KiB", 8), NodeIdentity.load(NodeIdentity.karafDirectory()),
                TOKEN_SHA256);
    }

    @After
    public void stopServer() {
        if (server != null) {
            server.stop();
        }
    }

    /** The service as DS injects it into the production constructor, with no service properties. */
    static Map.Entry<Map<String, ?>, ConfigService> registered(ConfigService service) {
        return Map.<Map<String, ?>, ConfigService>entry(Map.of(), service);
    }

    static AdminServer.Config settings(int port, String maxRequestSize, int threads) {
        return settings(port, maxRequestSize, threads, "30s");
    }

    static AdminServer.Config settings(int port, String maxRequestSize, int threads, String idleTimeout) {
        return settings(port, maxRequestSize, threads, idleTimeout, "", "", "10s", "TLSv1.3,TLSv1.2");
    }

    /** With HTTPS settings (empty certificate and key: plain HTTP). */
    static AdminServer.Config settings(int port, String maxRequestSize, int threads, String idleTimeout,
                                       String tlsCertificate, String tlsKey, String tlsReloadInterval,
                                       String tlsProtocols) {
        return new AdminServer.Config() {
            @Override
            public String tlsCertificate() {
                return tlsCertificate;
            }

            @Override
            public String tlsKey() {
                return tlsKey;
            }

            @Override
            public String tlsReloadInterval() {
                return tlsReloadInterval;
            }

            @Override
            public String tlsProtocols() {
                return tlsProtocols;
            }

            @Override
            public Class<? extends Annotation> annotationType() {
                return AdminServer.Config.class;
            }

            @Override
            public String host() {
                return "127.0.0.1";
            }

            @Override
            public int port() {
                return port;
            }

            @Override
            public String maxRequestSize() {
                return maxRequestSize;
            }

            @Override
            public int threads() {
                return threads;
            }

            @Override
            public int maxConnections() {
                return 8;
            }

            @Override
            public String idleTimeout() {
                return idleTimeout;
            }

            @Override
            public String drainDelay() {
                return "0s";
            }
        };
    }

    /** A request to the server with the bootstrap token. */
    HttpRequest.Builder request(String path) {
        return anonymous(path).header("Authorization", "Bearer " + TOKEN);
    }

    /** A request to the server without a token. */
    HttpRequest.Builder anonymous(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).timeout(TIMEOUT);
    }

    HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return send(request(path).GET());
    }

    HttpResponse<String> get(String path, String accept) throws IOException, InterruptedException {
        return send(request(path).header("Accept", accept).GET());
    }

    HttpResponse<String> write(String method, String path, String contentType, String body)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = request(path).method(method, HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        return send(b);
    }

    HttpResponse<String> delete(String path) throws IOException, InterruptedException {
        return send(request(path).DELETE());
    }

    JsonNode json(HttpResponse<String> response) throws IOException {
        return json.readTree(response.body());
    }

    static String pipeline(String name) {
        return "{\"kind\":\"Pipeline\",\"name\":\"" + name + "\",\"spec\":{\"plugins\":[]}}";
    }

    static String server(String name, int port, String pipeline) {
        return "{\"kind\":\"HTTPServer\",\"name\":\"" + name + "\",\"spec\":{\"port\":" + port
                + ",\"rules\":[{\"pipeline\":\"" + pipeline + "\"}]}}";
    }
}
