package io.gatehouse.itests;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.awaitility.Awaitility.await;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
 * the admin API on HTTPS with its own certificate; then a TLSCertificate object served by a server that
 * references it. The certificates are made by the test.
 */
public class HttpsIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();

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

            certificateObjects(karaf, adminClient, base);
        }
    }

    private static HttpResponse<String> send(HttpClient client, String method, String url, String json)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer "
                + Http.TOKEN).timeout(TIMEOUT);
        request.method(method, json == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(json));
        if (json != null) {
            request.header("Content-Type", "application/json");
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String certificateObject(TestCertificates.Issued issued) throws Exception {
        ObjectNode object = JSON.createObjectNode().put("kind", "TLSCertificate").put("name", "object-cert");
        object.putObject("spec").put("certificate", issued.certificatePem()).put("key", issued.keyPem());
        return JSON.writeValueAsString(object);
    }

    /**
     * A TLSCertificate object served by an HTTPServer that references it: its key never read back (nor in the
     * audit log), not deleted while in use, and its new text served without a restart.
     */
    private static void certificateObjects(KarafProcess karaf, HttpClient admin, String base) throws Exception {
        TestCertificates.Issued first = TestCertificates.issue("object-1");
        HttpResponse<String> created = send(admin, "PUT", base + "/objects/TLSCertificate/object-cert",
                certificateObject(first));
        assertEquals(created.body(), 200, created.statusCode());
        assertFalse(created.body(), created.body().contains("PRIVATE KEY"));
        int port = Ports.free();
        HttpResponse<String> server = send(admin, "PUT", base + "/objects/HTTPServer/by-object", """
                {"kind": "HTTPServer", "name": "by-object", "spec": {"address": "127.0.0.1", "port": %d,
                 "tls": {"certificates": [{"ref": "object-cert"}]}, "rules": [{"pipeline": "hello"}]}}
                """.formatted(port));
        assertEquals(server.body(), 200, server.statusCode());
        String url = "https://127.0.0.1:" + port + "/";
        SSLContext trustFirst = first.trusting();
        await().atMost(60, SECONDS).ignoreExceptions().until(() ->
                get(trustFirst, HttpClient.Version.HTTP_2, url, null).statusCode() == 200);
        assertEquals("hello over TLS", get(trustFirst, HttpClient.Version.HTTP_1_1, url, null).body());

        JsonNode read = JSON.readTree(send(admin, "GET", base + "/objects/TLSCertificate/object-cert", null).body());
        assertTrue(read.toString(), read.path("spec").path("key").asText().startsWith("redacted:sha256:"));
        assertEquals(first.certificatePem(), read.path("spec").path("certificate").asText());
        assertFalse(send(admin, "GET", base + "/objects", null).body().contains("PRIVATE KEY"));

        HttpResponse<String> inUse = send(admin, "DELETE", base + "/objects/TLSCertificate/object-cert", null);
        assertEquals(inUse.body(), 409, inUse.statusCode());
        assertTrue(inUse.body(), inUse.body().contains("is used by HTTPServer 'by-object'"));

        // renewed in the object: new handshakes get the new certificate on this node, no file involved
        TestCertificates.Issued renewed = TestCertificates.issue("object-2");
        HttpResponse<String> renewal = send(admin, "PUT", base + "/objects/TLSCertificate/object-cert",
                certificateObject(renewed));
        assertEquals(renewal.body(), 200, renewal.statusCode());
        SSLContext trustRenewed = renewed.trusting();
        await().atMost(30, SECONDS).ignoreExceptions().until(() ->
                get(trustRenewed, HttpClient.Version.HTTP_2, url, null).statusCode() == 200);

        // what is on disk: the audit log holds no spec, the store's directory is the gateway's user's only
        String audit = Files.readString(karaf.home().resolve("data/log/audit.log"));
        assertTrue(audit, audit.contains("object-cert"));
        assertFalse(audit, audit.contains("PRIVATE KEY"));
        String log = Files.readString(karaf.home().resolve("data/log/karaf.log"));
        assertTrue(log, log.contains("HTTPServer 'by-object': TLS certificates loaded"));
        assertFalse("no key in karaf.log", log.contains("PRIVATE KEY"));
        assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(karaf.home().resolve("data/gatehouse"))));
    }
}
