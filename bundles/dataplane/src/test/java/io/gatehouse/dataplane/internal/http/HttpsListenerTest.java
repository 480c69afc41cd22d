package io.gatehouse.dataplane.internal.http;

import static org.awaitility.Awaitility.await;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.gatehouse.dataplane.ListenerSettings;
import io.gatehouse.dataplane.RequestHandler;
import io.gatehouse.dataplane.ServerTls;
import io.gatehouse.dataplane.TestCertificates;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** HTTPS listeners: ALPN h2 and http/1.1, the certificate chosen by SNI, reloads, and refusals. */
public class HttpsListenerTest extends DataPlaneTestSupport {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @Rule
    public TemporaryFolder folder = new TemporaryFolder();

    /** Answers the scheme and the protocol the exchange came with. */
    private static final RequestHandler SCHEME = ex -> {
        ex.respond(200).body((ex.scheme() + " " + ex.request().protocol()).getBytes(StandardCharsets.UTF_8));
        ex.end();
    };

    private ServerTls.Certificate write(String name, TestCertificates.Issued issued) throws IOException {
        Path certificate = folder.getRoot().toPath().resolve(name + ".crt");
        Path key = folder.getRoot().toPath().resolve(name + ".key");
        issued.write(certificate, key);
        return new ServerTls.Certificate(certificate, key);
    }

    private ListenerSettings https(Duration reload, ServerTls.Certificate... certificates) {
        return settings().withTls(new ServerTls(List.of(certificates), List.of("TLSv1.3", "TLSv1.2"), reload));
    }

    /** The subject of the certificate the port presents for {@code sni} (null: no SNI), and the ALPN protocol. */
    private static String[] handshake(int port, String sni, X509Certificate... trusted) throws Exception {
        SSLSocketFactory factory = TestCertificates.trusting(trusted).getSocketFactory();
        try (SSLSocket socket = (SSLSocket) factory.createSocket("127.0.0.1", port)) {
            socket.setSoTimeout(5000);
            SSLParameters parameters = socket.getSSLParameters();
            if (sni != null) {
                parameters.setServerNames(List.of(new SNIHostName(sni)));
            }
            parameters.setApplicationProtocols(new String[] {"h2", "http/1.1"});
            // the names are checked by the test itself: the certificates are for other names than 127.0.0.1's
            parameters.setEndpointIdentificationAlgorithm(null);
            socket.setSSLParameters(parameters);
            socket.startHandshake();
            X509Certificate served = (X509Certificate) socket.getSession().getPeerCertificates()[0];
            return new String[] {served.getSubjectX500Principal().getName(), socket.getApplicationProtocol()};
        }
    }

    @Test
    public void http2AndHttp11AreNegotiatedByAlpnWithTheHttpsScheme() throws Exception {
        TestCertificates.Issued issued = TestCertificates.issue("gateway");
        int port = bind(https(Duration.ofSeconds(10), write("a", issued)), SCHEME);
        URI uri = URI.create("https://127.0.0.1:" + port + "/x");
        HttpClient h2 = HttpClient.newBuilder().sslContext(issued.trusting()).version(HttpClient.Version.HTTP_2)
                .connectTimeout(TIMEOUT).build();
        HttpResponse<String> r = h2.send(HttpRequest.newBuilder(uri).timeout(TIMEOUT).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        assertEquals("h2 by ALPN", HttpClient.Version.HTTP_2, r.version());
        assertEquals("https HTTP/2.0", r.body());
        HttpClient h1 = HttpClient.newBuilder().sslContext(issued.trusting()).version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(TIMEOUT).build();
        HttpResponse<String> r1 = h1.send(HttpRequest.newBuilder(uri).timeout(TIMEOUT).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(HttpClient.Version.HTTP_1_1, r1.version());
        assertEquals("https HTTP/1.1", r1.body());
    }

    @Test
    public void withoutHttp2OnlyHttp11IsOffered() throws Exception {
        TestCertificates.Issued issued = TestCertificates.issue("gateway");
        ListenerSettings s = https(Duration.ofSeconds(10), write("a", issued));
        ListenerSettings noH2 = new ListenerSettings(s.name(), s.address(), 0, s.maxInitialLineLength(),
                s.maxHeaderSize(), s.maxRequestBody(), s.idleTimeout(), false, s.xForwarded(), s.via(),
                s.pathNormalization(), s.requestHeadTimeout(), s.bodyIdleTimeout(), s.maxConnections(), s.tls());
        int port = bind(noH2, SCHEME);
        assertEquals("http/1.1", handshake(port, null, issued.certificate())[1]);
    }

    @Test
    public void theCertificateIsChosenBySniWithTheFirstAsDefault() throws Exception {
        TestCertificates.Issued main = TestCertificates.forNames("main", "gateway.test");
        TestCertificates.Issued wildcard = TestCertificates.forNames("wildcard", "*.example.test");
        int port = bind(https(Duration.ofSeconds(10), write("main", main), write("wild", wildcard)), SCHEME);
        X509Certificate[] both = {main.certificate(), wildcard.certificate()};
        assertEquals("CN=wildcard", handshake(port, "api.example.test", both)[0]);
        assertEquals("CN=main", handshake(port, "gateway.test", both)[0]);
        assertEquals("a name no certificate lists gets the first", "CN=main", handshake(port, "other.test", both)[0]);
        assertEquals("no SNI at all: the first", "CN=main", handshake(port, null, both)[0]);
        assertEquals("h2", handshake(port, "api.example.test", both)[1]);
        // what the listener serves, for the expiry metric: each certificate's names, subject and expiry
        var served = dataPlane.certificates().get("test");
        assertEquals(2, served.size());
        assertEquals(List.of("gateway.test"), served.get(0).names());
        assertEquals("CN=wildcard", served.get(1).subject());
        assertEquals(wildcard.certificate().getNotAfter().toInstant(), served.get(1).notAfter());
    }

    /** A TLSCertificate object's PEM text serves beside a pair of files, and its key never shows in a string. */
    @Test
    public void anObjectsTextServesBesideFiles() throws Exception {
        TestCertificates.Issued files = TestCertificates.forNames("files", "files.test");
        TestCertificates.Issued object = TestCertificates.forNames("object", "object.test");
        ServerTls.Certificate fromObject = ServerTls.Certificate.ofObject("object-test", object.certificatePem(),
                object.keyPem());
        int port = bind(https(Duration.ofSeconds(10), write("files", files), fromObject), SCHEME);
        X509Certificate[] both = {files.certificate(), object.certificate()};
        assertEquals("CN=object", handshake(port, "object.test", both)[0]);
        assertEquals("CN=files", handshake(port, "files.test", both)[0]);
        assertEquals("Certificate[TLSCertificate 'object-test']", fromObject.toString());
        assertFalse(https(Duration.ofSeconds(10), fromObject).toString().contains("PRIVATE KEY"));
        IllegalArgumentException both2 = assertThrows(IllegalArgumentException.class, () ->
                new ServerTls.Certificate(Path.of("a.crt"), Path.of("a.key"), "x", "pem", "pem"));
        assertEquals("files or an object, not both", both2.getMessage());
    }

    @Test
    public void changedFilesServeNewHandshakesAndBrokenOnesKeepTheOld() throws Exception {
        TestCertificates.Issued first = TestCertificates.issue("first");
        ServerTls.Certificate files = write("a", first);
        // the timer is an hour away: each reload below is the test's own
        int port = bind(https(Duration.ofHours(1), files), SCHEME);
        TestCertificates.Issued second = TestCertificates.issue("second");
        X509Certificate[] both = {first.certificate(), second.certificate()};
        assertEquals("CN=first", handshake(port, null, both)[0]);
        NettyHttpListener l = (NettyHttpListener) listener;
        assertFalse("nothing changed", l.tls().reloadIfChanged());

        // the certificate of another key: refused, the first keeps serving
        Files.writeString(files.certificate(), Files.readString(write("b", second).certificate()));
        assertFalse(l.tls().reloadIfChanged());
        assertEquals("CN=first", handshake(port, null, both)[0]);

        // the pair complete: loaded
        Files.copy(folder.getRoot().toPath().resolve("b.key"), files.key(),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertTrue(l.tls().reloadIfChanged());
        assertEquals("CN=second", handshake(port, null, both)[0]);
    }

    @Test
    public void theTimerReloadsChangedFiles() throws Exception {
        TestCertificates.Issued first = TestCertificates.issue("first");
        ServerTls.Certificate files = write("a", first);
        int port = bind(https(Duration.ofMillis(200), files), SCHEME);
        TestCertificates.Issued second = TestCertificates.issue("second");
        second.write(files.certificate(), files.key());
        await().atMost(TIMEOUT).until(() ->
                handshake(port, null, first.certificate(), second.certificate())[0].equals("CN=second"));
    }

    /** Turning TLS on for a bound listener: new connections are HTTPS with the https scheme; bad files change nothing. */
    @Test
    public void aListenerIsReconfiguredToHttpsOnlyWhenItsFilesLoad() throws Exception {
        int port = bind(settings(), SCHEME);
        URI plain = URI.create("http://127.0.0.1:" + port + "/x");
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(TIMEOUT).build();
        assertEquals("http HTTP/1.1", client.send(HttpRequest.newBuilder(plain).timeout(TIMEOUT).build(),
                HttpResponse.BodyHandlers.ofString()).body());

        Path missing = folder.getRoot().toPath().resolve("missing.crt");
        assertThrows(IllegalArgumentException.class, () -> listener.reconfigure(settings().withTls(
                new ServerTls(List.of(new ServerTls.Certificate(missing, missing)), List.of("TLSv1.3"),
                        Duration.ofSeconds(10)))));
        assertEquals("unchanged after a refusal", null, listener.settings().tls());

        TestCertificates.Issued issued = TestCertificates.issue("gateway");
        listener.reconfigure(https(Duration.ofSeconds(10), write("a", issued)));
        HttpClient secure = HttpClient.newBuilder().sslContext(issued.trusting()).version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(TIMEOUT).build();
        assertEquals("https HTTP/1.1", secure.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/x"))
                .timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.ofString()).body());
    }

    @Test
    public void filesThatCannotBeReadLeaveThePortUnbound() throws Exception {
        Path missing = folder.getRoot().toPath().resolve("missing.crt");
        ServerTls.Certificate bad = new ServerTls.Certificate(missing, missing);
        SSLException e = assertThrows(SSLException.class, () -> bind(https(Duration.ofSeconds(10), bad), SCHEME));
        assertTrue(e.getMessage(), e.getMessage().contains("missing.crt"));
    }

    @Test
    public void plainHttpOnTheHttpsPortGetsNoAnswer() throws Exception {
        int port = bind(https(Duration.ofSeconds(10), write("a", TestCertificates.issue("gateway"))), SCHEME);
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write("GET /x HTTP/1.1\r\nHost: h\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] answer = in.readNBytes(64);
            assertTrue("no HTTP answer: " + new String(answer, StandardCharsets.ISO_8859_1),
                    !new String(answer, StandardCharsets.ISO_8859_1).startsWith("HTTP/"));
        } catch (IOException closed) {
            // the connection was closed: no answer either
        }
    }
}
