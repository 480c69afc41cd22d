package io.gatehouse.dataplane.internal.http;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.gatehouse.api.plugin.Forward;
import io.gatehouse.api.plugin.UpstreamTls;
import io.gatehouse.dataplane.TestCertificates;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.After;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** Forwarding to HTTPS upstreams: trusted by a PEM file, verified by default, refused with the reason. */
public class UpstreamTlsTest extends DataPlaneTestSupport {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();

    @Rule
    public TemporaryFolder folder = new TemporaryFolder();

    private HttpsServer secure;
    private ExecutorService threads;
    private Path trust;
    private final AtomicInteger served = new AtomicInteger();

    @Before
    public void startHttpsUpstream() throws Exception {
        TestCertificates.Issued issued = TestCertificates.issue("upstream");
        trust = folder.getRoot().toPath().resolve("upstream.crt");
        issued.write(trust, folder.getRoot().toPath().resolve("upstream.key"));
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("upstream", issued.keys().getPrivate(), "pw".toCharArray(),
                new Certificate[] {issued.certificate()});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, "pw".toCharArray());
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), null, null);
        secure = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        secure.setHttpsConfigurator(new HttpsConfigurator(context));
        threads = Executors.newFixedThreadPool(4);
        secure.setExecutor(threads);
        secure.createContext("/", exchange -> {
            served.incrementAndGet();
            byte[] body = ("secure " + exchange.getRequestURI() + " proto="
                    + exchange.getRequestHeaders().getFirst("X-Forwarded-Proto")).getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        secure.start();
    }

    @After
    public void stopHttpsUpstream() throws Exception {
        secure.stop(0);
        threads.shutdownNow();
        threads.awaitTermination(10, TimeUnit.SECONDS);
    }

    private HttpResponse<String> through(UpstreamTls tls) throws Exception {
        int upstreamPort = secure.getAddress().getPort();
        int port = bind(ex -> forwardAndEnd(ex, Forward.to("127.0.0.1", upstreamPort).tls(tls)
                .connectTimeout(Duration.ofSeconds(5)).readTimeout(Duration.ofSeconds(5))));
        return CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/hello")).timeout(TIMEOUT)
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    public void anUpstreamTrustedByItsCertificateIsForwardedToRequestAfterRequest() throws Exception {
        HttpResponse<String> r = through(UpstreamTls.trusting(trust));
        assertEquals(r.body(), 200, r.statusCode());
        assertEquals("secure /hello proto=http", r.body());
        URI again = r.request().uri();
        for (int i = 0; i < 5; i++) {
            assertEquals(200, CLIENT.send(HttpRequest.newBuilder(again).timeout(TIMEOUT).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode());
        }
        assertEquals(6, served.get());
    }

    /** A server that accepts connections but never answers the TLS handshake: 504, a timeout. */
    @Test
    public void aHandshakeThatNeverEndsTimesOutWithinTheConnectTimeout() throws Exception {
        try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 16,
                java.net.InetAddress.getByName("127.0.0.1"))) {
            int silentPort = silent.getLocalPort();
            int port = bind(ex -> forwardAndEnd(ex, Forward.to("127.0.0.1", silentPort).tls(UpstreamTls.trusting(trust))
                    .connectTimeout(Duration.ofMillis(500)).readTimeout(Duration.ofSeconds(5))));
            HttpResponse<String> r = CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                    .timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals("a timeout (504, retried by retry.on: [timeout]), not a failure: " + r.body(), 504,
                    r.statusCode());
            assertTrue(r.body(), r.body().contains("TLS handshake"));
        }
    }

    @Test
    public void anUnknownCertificateIsRefusedWithTheReason() throws Exception {
        HttpResponse<String> r = through(UpstreamTls.DEFAULT);
        assertEquals(r.body(), 502, r.statusCode());
        assertTrue(r.body(), r.body().contains("TLS handshake failed"));
        assertEquals("the request never reached it", 0, served.get());
    }

    @Test
    public void aNameTheCertificateDoesNotListIsRefused() throws Exception {
        HttpResponse<String> r = through(new UpstreamTls(trust, true, "other.test"));
        assertEquals(r.body(), 502, r.statusCode());
        assertTrue(r.body(), r.body().contains("TLS handshake failed"));
        assertEquals(0, served.get());
    }

    @Test
    public void withoutVerificationAnyCertificateIsAccepted() throws Exception {
        HttpResponse<String> r = through(new UpstreamTls(null, false, null));
        assertEquals(r.body(), 200, r.statusCode());
    }

    @Test
    public void aMissingTrustFileIsReported() throws Exception {
        HttpResponse<String> r = through(UpstreamTls.trusting(folder.getRoot().toPath().resolve("missing.pem")));
        assertEquals(r.body(), 502, r.statusCode());
        assertTrue(r.body(), r.body().contains("missing.pem"));
    }
}
