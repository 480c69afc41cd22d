package io.gatehouse.dataplane.internal.http;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import io.gatehouse.api.plugin.Forward;
import io.gatehouse.dataplane.ListenerSettings;
import io.gatehouse.dataplane.ListenerSettings.PathNormalization;
import io.gatehouse.dataplane.RequestHandler;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.Test;

/**
 * The request head as routing and the upstream see it: the request target (RFC 9112 3.2) checked and
 * normalized, Host checked, and the HTTP version checked, on a real listener with raw sockets.
 */
public class RequestHeadTest extends DataPlaneTestSupport {
    /** "host uri" of every request the handler (that is, routing) saw. */
    private final ConcurrentLinkedQueue<String> routed = new ConcurrentLinkedQueue<>();

    private RequestHandler recordingProxy() {
        return ex -> {
            routed.add(ex.request().host() + " " + ex.request().uri());
            if (ex.request().path().equals("/nope")) {
                ex.respondError(404, "no_route", "no route");
                ex.end();
                return;
            }
            forwardAndEnd(ex, Forward.to("127.0.0.1", upstream.port()).readTimeout(Duration.ofSeconds(5))
                    .connectTimeout(Duration.ofSeconds(2)));
        };
    }

    private int start(PathNormalization mode) throws Exception {
        return bind(settings().withPathNormalization(mode), recordingProxy());
    }

    private static String get(String target) {
        return "GET " + target + " HTTP/1.1\r\nHost: host.example\r\n\r\n";
    }

    /** Sends one request on a new connection and expects a JSON error that closes the connection. */
    private static void refused(int port, String request, int status) throws Exception {
        refused(port, request.getBytes(StandardCharsets.ISO_8859_1), status);
    }

    private static void refused(int port, byte[] request, int status) throws Exception {
        String shown = new String(request, StandardCharsets.ISO_8859_1).replace("\r\n", "|");
        try (RawClient c = new RawClient(port)) {
            RawClient.Response r = c.send(request).read();
            assertEquals(shown, status, r.status());
            assertTrue(shown + ": " + r.statusLine(), r.statusLine().startsWith("HTTP/1.1 "));
            assertEquals("application/json", r.header("Content-Type"));
            assertTrue(r.text(), r.text().startsWith("{\"status\":" + status + ","));
            assertEquals("close", r.header("Connection"));
            assertTrue(shown + ": the connection must be closed", c.closedByServer());
        }
    }

    @Test
    public void absoluteFormAuthorityReplacesHostAndIsForwardedInOriginForm() throws Exception {
        int port = start(PathNormalization.NORMALIZE);
        try (RawClient c = new RawClient(port)) {
            assertEquals(200, c.send(get("http://other.example/dead/x")).read().status());
            assertEquals(200, c.send(get("HTTP://Other.Example:8080/t3/../dead/x?q=%2F&r=%2e")).read().status());
            assertEquals(200, c.send(get("http://[::1]:81")).read().status());
        }
        assertEquals(List.of("other.example /dead/x", "Other.Example /dead/x?q=%2F&r=%2e", "[::1] /"),
                List.copyOf(routed));
        TestUpstream.Seen first = upstream.requests.poll();
        assertEquals("/dead/x", first.uri());
        assertEquals("other.example", first.header("Host"));
        assertEquals("other.example", first.header("X-Forwarded-Host"));
        TestUpstream.Seen second = upstream.requests.poll();
        assertEquals("/dead/x?q=%2F&r=%2e", second.uri());
        assertEquals("Other.Example:8080", second.header("Host"));
        TestUpstream.Seen third = upstream.requests.poll();
        assertEquals("/", third.uri());
        assertEquals("[::1]:81", third.header("Host"));
    }

    @Test
    public void theNormalizedPathIsRoutedAndForwarded() throws Exception {
        int port = start(PathNormalization.NORMALIZE);
        List<String> targets = List.of("/t3/../dead/x", "//dead/x", "/%64ead/x", "/%2e%2E/dead/x", "/./dead//x",
                "/../dead/x", "/dead/x/.", "/a/b/../../dead/%78");
        try (RawClient c = new RawClient(port)) {
            for (String t : targets) {
                assertEquals(t, 200, c.send(get(t)).read().status());
            }
        }
        for (String t : targets) {
            String expected = t.endsWith("/.") ? "/dead/x/" : "/dead/x";
            assertEquals(t, "host.example " + expected, routed.poll());
            assertEquals(t, expected, upstream.requests.poll().uri());
        }
    }

    @Test
    public void reservedEncodingsAndTheQueryStayByteExact() throws Exception {
        int port = start(PathNormalization.NORMALIZE);
        String target = "/a/b%2Fc;v=1/%2f%3F%23/%e2%82%ac?q=%20x&r=a%2Bb&s=/../&t=%7e";
        try (RawClient c = new RawClient(port)) {
            assertEquals(200, c.send(get(target)).read().status());
        }
        assertEquals(target, upstream.requests.poll().uri());
    }

    @Test
    public void rejectModeAnswers400ToATargetThatIsNotNormal() throws Exception {
        int port = start(PathNormalization.REJECT);
        for (String t : List.of("/t3/../dead/x", "//dead/x", "/%64ead/x", "/%2e%2E/dead/x", "/dead/x/.",
                "http://other.example//dead/x")) {
            refused(port, get(t), 400);
        }
        assertEquals(0, upstream.requests.size());
        try (RawClient c = new RawClient(port)) {
            assertEquals(200, c.send(get("/dead/x%2F?q=/../")).read().status());
            assertEquals(200, c.send(get("http://other.example/dead/x")).read().status());
        }
        assertEquals("/dead/x%2F?q=/../", upstream.requests.poll().uri());
        assertEquals("/dead/x", upstream.requests.poll().uri());
    }

    @Test
    public void malformedTargetsAre400AndReachNoOne() throws Exception {
        int port = start(PathNormalization.NORMALIZE);
        for (String t : List.of("dead/x", "*/dead/x", "/a%zz", "/a%2", "/a?b=%zz", "/a\u0001b", "/a\u007fb",
                "/a\\..\\dead", "/..;/dead/x", "/a#f", "ftp://other.example/dead/x", "http://u@evil/dead/x",
                "http:///dead/x", "http://a:b/")) {
            refused(port, get(t), 400);
        }
        refused(port, "GET /a\u0000b HTTP/1.1\r\nHost: h\r\n\r\n", 400);
        refused(port, new byte[] {'G', 'E', 'T', ' ', '/', (byte) 0xC3, (byte) 0xA9, ' ', 'H', 'T', 'T', 'P', '/',
            '1', '.', '1', '\r', '\n', 'H', 'o', 's', 't', ':', ' ', 'h', '\r', '\n', '\r', '\n'}, 400);
        refused(port, "GET * HTTP/1.1\r\nHost: h\r\n\r\n", 400);
        refused(port, "POST * HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n", 400);
        assertEquals(0, upstream.requests.size());
        assertEquals(0, routed.size());
    }

    @Test
    public void optionsAsteriskIsAnsweredByTheGatewayOnAKeptConnection() throws Exception {
        int port = start(PathNormalization.NORMALIZE);
        try (RawClient c = new RawClient(port)) {
            RawClient.Response r = c.send("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n").read();
            assertEquals(200, r.status());
            assertEquals("0", r.header("Content-Length"));
            assertNull(r.header("Connection"));
            assertEquals(200, c.send(get("/after")).read().status());
        }
        assertEquals(List.of("host.example /after"), List.copyOf(routed));
        assertEquals("/after", upstream.requests.poll().uri());
        assertEquals(0, upstream.requests.size());
    }

    @Test
    public void invalidHostValuesAre400() throws Exception {
        int port = start(PathNormalization.NORMALIZE);
        for (String host : List.of("a b", "a/b", "u@evil", "evil:", "evil:80x", "evil:99999", "[::1", "a,b",
                "[::1]x")) {
            refused(port, "GET / HTTP/1.1\r\nHost: " + host + "\r\n\r\n", 400);
        }
        refused(port, "GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", 400);
        refused(port, "GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", 400);
        refused(port, "GET / HTTP/1.1\r\n\r\n", 400);
        // absolute-form does not excuse an invalid Host field (RFC 9112 3.2)
        refused(port, "GET http://ok.example/ HTTP/1.1\r\nHost: a b\r\n\r\n", 400);
        assertEquals(0, upstream.requests.size());
        try (RawClient c = new RawClient(port)) {
            for (String host : List.of("[::1]:8080", "h.example:80", "10.0.0.1", "")) {
                assertEquals(host, 200, c.send("GET / HTTP/1.1\r\nHost: " + host + "\r\n\r\n").read().status());
            }
        }
        assertEquals("[::1]:8080", upstream.requests.poll().header("X-Forwarded-Host"));
    }

    @Test
    public void responsesAreHttp11AndLaterMinorVersionsAreReadAs11() throws Exception {
        int port = start(PathNormalization.NORMALIZE);
        try (RawClient c = new RawClient(port)) {
            RawClient.Response ok = c.send("GET /v HTTP/1.2\r\nHost: h\r\n\r\n").read();
            assertEquals("HTTP/1.1 200 OK", ok.statusLine());
            RawClient.Response gatewayMade = c.send("GET /nope HTTP/1.9\r\nHost: h\r\n\r\n").read();
            assertEquals("HTTP/1.1 404 Not Found", gatewayMade.statusLine());
            // read as 1.1: keep-alive by default, so the connection is still usable
            assertEquals("HTTP/1.1 200 OK", c.send("GET /v HTTP/1.1\r\nHost: h\r\n\r\n").read().statusLine());
        }
        assertEquals("HTTP/1.1", upstream.requests.poll().protocol());
        try (RawClient c = new RawClient(port)) {
            RawClient.Response r = c.send("GET /old HTTP/1.0\r\n\r\n").read();
            assertEquals("HTTP/1.1 200 OK", r.statusLine());
            assertEquals("close", r.header("Connection"));
            assertTrue(c.closedByServer());
        }
    }

    @Test
    public void otherVersionsAre505AndMalformedOnes400() throws Exception {
        int port = start(PathNormalization.NORMALIZE);
        for (String v : List.of("HTTP/2.0", "HTTP/3.0", "HTTP/9.9", "HTTP/0.9")) {
            refused(port, "GET / " + v + "\r\nHost: h\r\n\r\n", 505);
        }
        for (String v : List.of("http/1.1", "Http/1.1", "HTTP/1.10", "HTTP/1", "HTTP/11.1", "HTTPS/1.1", "FOO/1.1",
                "HTTP/1.x")) {
            refused(port, "GET / " + v + "\r\nHost: h\r\n\r\n", 400);
        }
        assertEquals(0, upstream.requests.size());
    }

    @Test
    public void theHttp2PrefaceOnAnHttp1OnlyListenerIs505() throws Exception {
        ListenerSettings s = settings();
        int port = bind(new ListenerSettings(s.name(), s.address(), 0, s.maxInitialLineLength(), s.maxHeaderSize(),
                s.maxRequestBody(), s.idleTimeout(), false, true, "gatehouse", PathNormalization.NORMALIZE,
                s.requestHeadTimeout(), s.bodyIdleTimeout(), s.maxConnections()), recordingProxy());
        refused(port, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505);
    }
}
