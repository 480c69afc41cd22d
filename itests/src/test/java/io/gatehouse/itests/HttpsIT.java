package io.gatehouse.itests;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.awaitility.Awaitility.await;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.gatehouse.dataplane.TestCertificates;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import org.junit.Test;

/**
 * HTTPS in the real distribution: an HTTPServer with a certificate from PEM files in the runtime folder
 * (relative paths), answered over HTTP/2 and HTTP/1.1 by ALPN; the files replaced while it runs serve new
 * connections without a restart; the proxy forwards to it as an https upstream trusting its certificate; and
 * the admin API on HTTPS with its own certificate. The certificates are made by the test.
 */
public class HttpsIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private static HttpResponse<String> get(SSLContext trust, HttpClient.Version version, String url, String token)
            throws Exception {
        HttpClient client = HttpClient.newBuilder().sslContext(trust).version(version).connectTimeout(TIMEOUT).build();
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(TIMEOUT);
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    public void anHttpsServerAndAnHttpsAdminApi() throws Exception {
        Path target = Paths.get(System.getProperty("project.build.directory", "target"));
        int adminPort = Ports.free();
        int port = Ports.free();
        try (KarafProcess karaf = KarafProcess.unpack(target.resolve("https-it-" + System.nanoTime()), adminPort)) {
            Path tls = Files.createDirectories(karaf.home().resolve("etc/tls"));
            TestCertificates.Issued server = TestCertificates.issue("gateway-1");
            server.write(tls.resolve("gateway.crt"), tls.resolve("gateway.key"));
            TestCertificates.Issued admin = TestCertificates.issue("admin");
            admin.write(tls.resolve("admin.crt"), tls.resolve("admin.key"));
            karaf.setProperty("etc/io.gatehouse.core.cfg", "defaults", "none");
            karaf.setProperty("etc/io.gatehouse.admin.cfg", "tlsCertificate", "etc/tls/admin.crt");
            karaf.setProperty("etc/io.gatehouse.admin.cfg", "tlsKey", "etc/tls/admin.key");
            karaf.start();
            String base = "https://127.0.0.1:" + adminPort + "/api/v1";
            SSLContext trustAdmin = admin.trusting();
            await().atMost(180, SECONDS).ignoreExceptions().until(() -> {
                HttpResponse<String> health = get(trustAdmin, HttpClient.Version.HTTP_1_1, base + "/health", Http.TOKEN);
                return health.statusCode() == 200 && health.body().contains("\"leader\":\"")
                        && !health.body().contains("\"stale\":true");
            });

            String yaml = """
                    kind: Pipeline
                    name: hello
                    spec:
                      plugins:
                        - name: hello
                          kind: mock
                          spec: {body: "hello over TLS"}
                    ---
                    kind: HTTPServer
                    name: secure
                    spec:
                      address: 127.0.0.1
                      port: %d
                      tls:
                        certificates:
                          - certificate: etc/tls/gateway.crt
                            key: etc/tls/gateway.key
                        reloadInterval: 1s
                      rules:
                        - pipeline: hello
                    """.formatted(port);
            HttpClient adminClient = HttpClient.newBuilder().sslContext(trustAdmin).connectTimeout(TIMEOUT).build();
            HttpResponse<String> applied = adminClient.send(HttpRequest.newBuilder(URI.create(base + "/apply"))
                    .header("Authorization", "Bearer " + Http.TOKEN).header("Content-Type", "application/yaml")
                    .timeout(TIMEOUT).POST(HttpRequest.BodyPublishers.ofString(yaml)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(applied.body(), 200, applied.statusCode());

            String url = "https://127.0.0.1:" + port + "/";
            SSLContext trustFirst = server.trusting();
            await().atMost(60, SECONDS).ignoreExceptions().until(() ->
                    get(trustFirst, HttpClient.Version.HTTP_2, url, null).statusCode() == 200);
            HttpResponse<String> h2 = get(trustFirst, HttpClient.Version.HTTP_2, url, null);
            assertEquals("hello over TLS", h2.body());
            assertEquals(HttpClient.Version.HTTP_2, h2.version());
            assertEquals(HttpClient.Version.HTTP_1_1, get(trustFirst, HttpClient.Version.HTTP_1_1, url, null).version());

            // the proxy to an https upstream (the server above), trusting its certificate, behind a plain server
            int plainPort = Ports.free();
            String viaTls = """
                    kind: Pipeline
                    name: via-tls
                    spec:
                      plugins:
                        - name: backend
                          kind: proxy
                          spec:
                            pools:
                              - servers:
                                  - url: https://127.0.0.1:%d
                            tls:
                              trust: etc/tls/gateway.crt
                    ---
                    kind: HTTPServer
                    name: plain
                    spec:
                      address: 127.0.0.1
                      port: %d
                      rules:
                        - pipeline: via-tls
                    """.formatted(port, plainPort);
            HttpResponse<String> proxied = adminClient.send(HttpRequest.newBuilder(URI.create(base + "/apply"))
                    .header("Authorization", "Bearer " + Http.TOKEN).header("Content-Type", "application/yaml")
                    .timeout(TIMEOUT).POST(HttpRequest.BodyPublishers.ofString(viaTls)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(proxied.body(), 200, proxied.statusCode());
            Http http = new Http(TIMEOUT);
            await().atMost(60, SECONDS).until(() -> http.status("http://127.0.0.1:" + plainPort + "/") == 200);
            assertEquals("hello over TLS", http.get("http://127.0.0.1:" + plainPort + "/").body());

            // the certificates' expiry, for alerts: the server's and the admin port's
            String metrics = adminClient.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + adminPort
                    + "/metrics")).header("Authorization", "Bearer " + Http.TOKEN).timeout(TIMEOUT).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(metrics, metrics.contains("gatehouse_tls_certificate_expiry_timestamp_seconds{server=\"secure\","
                    + "subject=\"CN=gateway-1\"}"));
            assertTrue(metrics, metrics.contains("gatehouse_tls_certificate_expiry_timestamp_seconds{server=\"(admin)\","
                    + "subject=\"CN=admin\"}"));

            // a renewed certificate: written over the files while the gateway runs, it serves new connections
            TestCertificates.Issued renewed = TestCertificates.issue("gateway-2");
            Path renewedCertificate = tls.resolve("renewed.crt");
            Path renewedKey = tls.resolve("renewed.key");
            renewed.write(renewedCertificate, renewedKey);
            Files.move(renewedKey, tls.resolve("gateway.key"), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            Files.move(renewedCertificate, tls.resolve("gateway.crt"), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            SSLContext trustRenewed = renewed.trusting();
            await().atMost(60, SECONDS).ignoreExceptions().until(() ->
                    get(trustRenewed, HttpClient.Version.HTTP_2, url, null).statusCode() == 200);
            assertTrue(karaf.console(), Files.readString(karaf.home().resolve("data/log/karaf.log"))
                    .contains("HTTPServer 'secure': TLS certificates loaded: [localhost] (CN=gateway-2"));
        }
    }
}
