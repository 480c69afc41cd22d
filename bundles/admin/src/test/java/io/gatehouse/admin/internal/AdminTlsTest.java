package io.gatehouse.admin.internal;

import static org.awaitility.Awaitility.await;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.gatehouse.dataplane.TestCertificates;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** HTTPS on the admin port: PEM files, protocol versions, refusals at start, and reloads without a restart. */
public class AdminTlsTest extends AdminApiTestSupport {
    @Rule
    public TemporaryFolder folder = new TemporaryFolder();

    private Path certificate;
    private Path key;

    private AdminServer https(String reloadInterval, String protocols) {
        server.stop();
        server = new AdminServer(service, settings(0, "16KiB", 8, "30s", certificate.toString(), key.toString(),
                reloadInterval, protocols), NodeIdentity.load(NodeIdentity.karafDirectory()), TOKEN_SHA256);
        return server;
    }

    private TestCertificates.Issued files(String name) throws Exception {
        certificate = folder.getRoot().toPath().resolve("admin.crt");
        key = folder.getRoot().toPath().resolve("admin.key");
        TestCertificates.Issued issued = TestCertificates.issue(name);
        issued.write(certificate, key);
        return issued;
    }

    /** The certificate the port presents to a client trusting {@code trusted}, and the protocol agreed. */
    private static String[] handshake(int port, String protocol, X509Certificate... trusted) throws Exception {
        SSLContext context = TestCertificates.trusting(trusted);
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port)) {
            socket.setSoTimeout(5000);
            if (protocol != null) {
                socket.setEnabledProtocols(new String[] {protocol});
            }
            socket.startHandshake();
            X509Certificate served = (X509Certificate) socket.getSession().getPeerCertificates()[0];
            return new String[] {served.getSubjectX500Principal().getName(), socket.getSession().getProtocol()};
        }
    }

    @Test
    public void theAdminApiAndTheConsoleAreServedOverTls13() throws Exception {
        TestCertificates.Issued issued = files("admin-a");
        AdminServer s = https("10s", "TLSv1.3,TLSv1.2");
        HttpClient client = HttpClient.newBuilder().sslContext(issued.trusting()).connectTimeout(TIMEOUT).build();
        HttpResponse<String> health = client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + s.port()
                + "/api/v1/objects")).header("Authorization", "Bearer " + TOKEN).timeout(TIMEOUT).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(health.body(), 200, health.statusCode());
        HttpResponse<String> console = client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + s.port()
                + "/console/")).timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, console.statusCode());
        // the certificate's expiry, for alerts
        HttpResponse<String> metrics = client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + s.port()
                + "/metrics")).header("Authorization", "Bearer " + TOKEN).timeout(TIMEOUT).build(),
                HttpResponse.BodyHandlers.ofString());
        java.util.regex.Matcher expiry = java.util.regex.Pattern.compile(
                "gatehouse_tls_certificate_expiry_timestamp_seconds\\{server=\"\\(admin\\)\",subject=\"CN=admin-a\"} (\\S+)")
                .matcher(metrics.body());
        assertTrue(metrics.body(), expiry.find());
        assertEquals(issued.certificate().getNotAfter().getTime() / 1000, (long) Double.parseDouble(expiry.group(1)));
        assertEquals("TLSv1.3", handshake(s.port(), null, issued.certificate())[1]);
        assertEquals("TLSv1.2 when the client asks for it", "TLSv1.2",
                handshake(s.port(), "TLSv1.2", issued.certificate())[1]);
        // plain HTTP on the HTTPS port gets no API answer
        try {
            HttpResponse<String> plain = send(anonymous("/api/v1/health").GET());
            assertTrue(plain.body(), plain.statusCode() >= 400 && !plain.body().contains("UP"));
        } catch (IOException expected) {
            // the port closed the connection: a plain request is not TLS
        }
    }

    @Test
    public void onlyTheConfiguredProtocolsAreOffered() throws Exception {
        TestCertificates.Issued issued = files("admin-a");
        AdminServer s = https("10s", "TLSv1.2");
        assertEquals("TLSv1.2", handshake(s.port(), null, issued.certificate())[1]);
        assertThrows(SSLHandshakeException.class, () -> handshake(s.port(), "TLSv1.3", issued.certificate()));
    }

    @Test
    public void aChangedPairServesNewHandshakesAndABrokenOneKeepsTheOld() throws Exception {
        TestCertificates.Issued a = files("admin-a");
        // the timer is an hour away: each check below is the test's own
        AdminServer s = https("1h", "TLSv1.3,TLSv1.2");
        TestCertificates.Issued b = TestCertificates.issue("admin-b");
        assertEquals("CN=admin-a", handshake(s.port(), null, a.certificate(), b.certificate())[0]);
        assertFalse("nothing changed", s.tls().check());

        // a half-written certificate file is refused, and so is B's certificate with A's key: A keeps serving
        String whole = Files.readString(certificate);
        Files.writeString(certificate, whole.substring(0, 40), StandardCharsets.US_ASCII);
        assertFalse(s.tls().check());
        assertEquals("CN=admin-a", handshake(s.port(), null, a.certificate(), b.certificate())[0]);
        Path otherKey = folder.getRoot().toPath().resolve("other.key");
        b.write(certificate, otherKey);
        assertFalse(s.tls().check());
        assertEquals("CN=admin-a", handshake(s.port(), null, a.certificate(), b.certificate())[0]);

        // the pair complete: loaded, and new handshakes present B
        Files.copy(otherKey, key, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertTrue(s.tls().check());
        assertEquals("CN=admin-b", handshake(s.port(), null, a.certificate(), b.certificate())[0]);
        assertEquals("CN=admin-b", s.tls().current().chain().get(0).getSubjectX500Principal().getName());
        assertThrows("a client trusting only A no longer connects", SSLHandshakeException.class,
                () -> handshake(s.port(), null, a.certificate()));
    }

    @Test
    public void theTimerReloadsChangedFiles() throws Exception {
        TestCertificates.Issued a = files("admin-a");
        AdminServer s = https("1s", "TLSv1.3,TLSv1.2");
        TestCertificates.Issued b = TestCertificates.issue("admin-b");
        b.write(certificate, key);
        await().atMost(Duration.ofSeconds(20)).until(() ->
                handshake(s.port(), null, a.certificate(), b.certificate())[0].equals("CN=admin-b"));
    }

    @Test
    public void aBadPairRefusesToStartWithTheReason() throws Exception {
        files("admin-a");
        Path dir = folder.getRoot().toPath();
        Path otherKey = dir.resolve("other.key");
        TestCertificates.issue("admin-b").write(dir.resolve("other.crt"), otherKey);
        Path expiredCertificate = dir.resolve("expired.crt");
        Path expiredKey = dir.resolve("expired.key");
        TestCertificates.issue("old", Instant.now().minus(Duration.ofDays(3)), Instant.now().minus(Duration.ofDays(1)))
                .write(expiredCertificate, expiredKey);
        Path pkcs1 = dir.resolve("rsa.key");
        Files.writeString(pkcs1, "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n");
        record Case(String certificate, String key, String expected) {
        }
        for (Case c : List.of(
                new Case(certificate.toString(), "", "tlsKey"),
                new Case("", key.toString(), "tlsCertificate"),
                new Case(certificate.toString(), otherKey.toString(), "is not the key of the certificate"),
                new Case(expiredCertificate.toString(), expiredKey.toString(), "expired on"),
                new Case(certificate.toString(), pkcs1.toString(), "openssl pkcs8 -topk8 -nocrypt"),
                new Case(dir.resolve("missing.crt").toString(), key.toString(), "cannot read"),
                new Case(key.toString(), key.toString(), "not a PEM certificate chain"))) {
            try {
                new AdminServer(service, settings(0, "16KiB", 8, "30s", c.certificate(), c.key(), "10s",
                        "TLSv1.3"), NodeIdentity.load(NodeIdentity.karafDirectory()), TOKEN_SHA256).stop();
                fail("started with " + c);
            } catch (IllegalArgumentException e) {
                assertTrue(c + ": " + e.getMessage(), e.getMessage().contains(c.expected()));
                assertTrue(e.getMessage(), e.getMessage().contains(AdminServer.PID));
            }
        }
        IllegalArgumentException protocols = assertThrows(IllegalArgumentException.class, () -> new AdminServer(service,
                settings(0, "16KiB", 8, "30s", certificate.toString(), key.toString(), "10s", "TLSv1.1"),
                NodeIdentity.load(NodeIdentity.karafDirectory()), TOKEN_SHA256));
        assertTrue(protocols.getMessage(), protocols.getMessage().contains("tlsProtocols"));
    }
}
