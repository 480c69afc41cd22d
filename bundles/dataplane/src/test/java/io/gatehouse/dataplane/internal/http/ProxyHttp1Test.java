package io.gatehouse.dataplane.internal.http;

import static org.awaitility.Awaitility.await;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import io.gatehouse.api.plugin.Forward;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.Test;

public class ProxyHttp1Test extends DataPlaneTestSupport {

    private static String get(String path, String... headers) {
        StringBuilder sb = new StringBuilder("GET ").append(path).append(" HTTP/1.1\r\nHost: example.com\r\n");
        for (String h : headers) {
            sb.append(h).append("\r\n");
        }
        return sb.append("\r\n").toString();
    }

    @Test
    public void forwardsPathAndQueryByteExact() throws Exception {
        int port = bind(proxy());
        String uri = "/a/b%2Fc;v=1/%7Euser?q=%20x&r=a%2Bb&empty=&x=%2F";
        try (RawClient c = new RawClient(port)) {
            RawClient.Response r = c.send(get(uri)).read();
            assertEquals(200, r.status());
            assertEquals("ok", r.text());
        }
        TestUpstream.Seen seen = upstream.requests.poll();
        // %7E is an unreserved character: normalization decodes it; %2F and the query stay byte-exact
        assertEquals(uri.replace("%7E", "~"), seen.uri());
        assertEquals("HTTP/1.1", seen.protocol());
    }

    @Test
    public void requestHeadersAreRewrittenForTheUpstream() throws Exception {
        int port = bind(proxy());
        try (RawClient c = new RawClient(port)) {
            c.send(get("/h", "Connection: keep-alive, X-Drop", "X-Drop: 1", "Keep-Alive: timeout=5", "TE: trailers",
                    "Proxy-Authorization: Basic eA==", "Proxy-Connection: keep-alive", "Upgrade: websocket",
                    "X-Forwarded-For: 10.0.0.1", "Via: 1.0 front", "X-Custom: kept", "X-Custom: twice"));
            assertEquals(200, c.read().status());
        }
        TestUpstream.Seen s = upstream.requests.poll();
        for (String gone : List.of("Connection", "X-Drop", "Keep-Alive", "TE", "Proxy-Authorization",
                "Proxy-Connection", "Upgrade", "Transfer-Encoding")) {
            assertNull(gone + " must not reach the upstream", s.header(gone));
        }
        assertEquals("10.0.0.1, 127.0.0.1", s.header("X-Forwarded-For"));
        assertEquals("http", s.header("X-Forwarded-Proto"));
        assertEquals("example.com", s.header("X-Forwarded-Host"));
        assertEquals("1.0 front, 1.1 gatehouse", s.header("Via"));
        assertEquals("example.com", s.header("Host"));
        assertEquals(List.of("kept", "twice"), s.all("X-Custom"));
    }

    @Test
    public void xForwardedAndViaCanBeTurnedOff() throws Exception {
        int port = bind(settings("t", 8192, 16384, 0, Duration.ofSeconds(30), false, false, null), proxy());
        try (RawClient c = new RawClient(port)) {
            assertEquals(200, c.send(get("/x")).read().status());
        }
        TestUpstream.Seen s = upstream.requests.poll();
        assertNull(s.header("X-Forwarded-For"));
        assertNull(s.header("Via"));
    }

    @Test
    public void hostModes() throws Exception {
        AtomicReference<Forward.HostMode> mode = new AtomicReference<>(Forward.HostMode.UPSTREAM);
        int port = bind(proxy(f -> mode.get() == Forward.HostMode.FIXED
                ? f.hostHeader(Forward.HostMode.FIXED, "fixed.example") : f.hostHeader(mode.get(), null)));
        try (RawClient c = new RawClient(port)) {
            assertEquals(200, c.send(get("/1")).read().status());
            mode.set(Forward.HostMode.FIXED);
            assertEquals(200, c.send(get("/2")).read().status());
            mode.set(Forward.HostMode.PRESERVE);
            assertEquals(200, c.send(get("/3")).read().status());
        }
        assertEquals("127.0.0.1:" + upstream.port(), upstream.requests.poll().header("Host"));
        assertEquals("fixed.example", upstream.requests.poll().header("Host"));
        assertEquals("example.com", upstream.requests.poll().header("Host"));
    }

    @Test
    public void responseHopByHopFieldsAreRemovedAndViaAppended() throws Exception {
        int port = bind(proxy());
        try (RawClient c = new RawClient(port)) {
            RawClient.Response r = c.send(get("/hop")).read();
            assertEquals(200, r.status());
            assertEquals("hop", r.text());
            assertNull(r.header("X-Up-Hop"));
            assertNull(r.header("Keep-Alive"));
            assertNull(r.header("Proxy-Authenticate"));
            assertNull(r.header("Connection"));
            assertEquals("yes", r.header("X-Kept"));
            assertEquals("1.1 origin, 1.1 gatehouse", r.header("Via"));
        }
    }

    @Test
    public void headAnd204And304CarryNoBodyAndKeepTheConnectionUsable() throws Exception {
        int port = bind(proxy());
        try (RawClient c = new RawClient(port)) {
            RawClient.Response head = c.send("HEAD /big/5000 HTTP/1.1\r\nHost: x\r\n\r\n").read(true);
            assertEquals(200, head.status());
            RawClient.Response noContent = c.send(get("/status/204")).read();
            assertEquals(204, noContent.status());
            assertNull(noContent.header("Content-Length"));
            assertNull(noContent.header("Transfer-Encoding"));
            RawClient.Response notModified = c.send(get("/status/304")).read();
            assertEquals(304, notModified.status());
            assertNull(notModified.header("Transfer-Encoding"));
            assertEquals("\"v1\"", notModified.header("ETag"));
            // framing intact: the next answer on the same connection is read correctly
            RawClient.Response after = c.send(get("/after")).read();
            assertEquals(200, after.status());
            assertEquals("ok", after.text());
        }
        assertEquals(1, upstream.connections.get());
    }

    @Test
    public void keepAliveUpstreamConnectionIsReused() throws Exception {
        int port = bind(proxy());
        try (RawClient c = new RawClient(port)) {
            for (int i = 0; i < 100; i++) {
                RawClient.Response r = c.send(get("/seq/" + i)).read();
                assertEquals(200, r.status());
            }
        }
        assertEquals(100, upstream.requests.size());
        assertEquals(1, upstream.connections.get());
    }

    @Test
    public void upstreamThatClosesIsNotReused() throws Exception {
        int port = bind(proxy());
        try (RawClient c = new RawClient(port)) {
            for (int i = 0; i < 20; i++) {
                RawClient.Response r = c.send(get(i % 2 == 0 ? "/close" : "/http10")).read();
                assertEquals(200, r.status());
                assertEquals(i % 2 == 0 ? "closing" : "old", r.text());
            }
            assertEquals(200, c.send(get("/last")).read().status());
        }
        assertEquals(21, upstream.requests.size());
        assertEquals(21, upstream.connections.get());
    }

    @Test
    public void refusedConnectionIs502() throws Exception {
        int dead;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            dead = s.getLocalPort();
        }
        int deadPort = dead;
        int port = bind(proxyTo(() -> deadPort, f -> f));
        try (RawClient c = new RawClient(port)) {
            RawClient.Response r = c.send(get("/x")).read();
            assertEquals(502, r.status());
            assertEquals("application/json", r.header("Content-Type"));
            assertTrue(r.text(), r.text().startsWith("{\"status\":502,\"error\":\"connect_failed\""));
        }
    }

    @Test
    public void readTimeoutBeforeTheHeadIs504() throws Exception {
        int port = bind(proxy(f -> f.readTimeout(Duration.ofMillis(300))));
        try (RawClient c = new RawClient(port)) {
            RawClient.Response r = c.send(get("/never")).read();
            assertEquals(504, r.status());
            assertTrue(r.text(), r.text().contains("read_timeout"));
        }
    }

    @Test
    public void connectTimeoutIs504() throws Exception {
        // a listening socket whose accept queue is full drops SYNs: connects hang on loopback
        try (ServerSocket full = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            List<Socket> fillers = new ArrayList<>();
            try {
                boolean saturated = false;
                for (int i = 0; i < 16 && !saturated; i++) {
                    Socket s = new Socket();
                    fillers.add(s);
                    try {
                        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), full.getLocalPort()), 200);
                    } catch (SocketTimeoutException e) {
                        saturated = true;
                    }
                }
                assertTrue("could not saturate the accept queue", saturated);
                int port = bind(proxyTo(full::getLocalPort, f -> f.connectTimeout(Duration.ofMillis(300))));
                try (RawClient c = new RawClient(port)) {
                    RawClient.Response r = c.send(get("/x")).read();
                    assertEquals(504, r.status());
                    assertTrue(r.text(), r.text().contains("connect_timeout"));
                }
            } finally {
                for (Socket s : fillers) {
                    s.close();
                }
            }
        }
    }

    @Test
    public void upstreamResetMidBodyCutsTheClient() throws Exception {
        int port = bind(proxy());
        try (RawClient c = new RawClient(port)) {
            c.send(get("/cut"));
            try {
                c.read();
                throw new AssertionError("a truncated body must not look complete");
            } catch (IOException expected) {
                // the client connection was closed before the announced length
            }
        }
    }

    @Test
    public void readTimeoutAfterTheHeadCutsBothConnections() throws Exception {
        int port = bind(proxy(f -> f.readTimeout(Duration.ofMillis(300))));
        try (RawClient c = new RawClient(port)) {
            c.send(get("/stall"));
            try {
                c.read();
                throw new AssertionError("a stalled body must not look complete");
            } catch (IOException expected) {
                // cut after the read timeout: 100 of 1000 bytes arrived
            }
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> upstream.closedConnections.get() == 1);
    }

    @Test
    public void clientGoingAwayClosesTheUpstreamAndCompletesWithACause() throws Exception {
        ConcurrentLinkedQueue<Throwable> outcomes = new ConcurrentLinkedQueue<>();
        AtomicReference<Boolean> called = new AtomicReference<>(false);
        int port = bind(ex -> {
            ex.onComplete(t -> {
                called.set(true);
                if (t != null) {
                    outcomes.add(t);
                }
            });
            forwardAndEnd(ex, Forward.to("127.0.0.1", upstream.port()));
        });
        RawClient c = new RawClient(port);
        c.send(get("/stall"));
        await().atMost(Duration.ofSeconds(5)).until(() -> upstream.requests.size() == 1);
        c.close();
        await().atMost(Duration.ofSeconds(5)).until(() -> upstream.closedConnections.get() == 1);
        await().atMost(Duration.ofSeconds(5)).until(called::get);
        assertFalse(outcomes.isEmpty());
        assertNotNull(outcomes.peek());
    }

    @Test
    public void onCompleteIsCalledOnceWithNullAfterSuccess() throws Exception {
        ConcurrentLinkedQueue<String> calls = new ConcurrentLinkedQueue<>();
        int port = bind(ex -> {
            ex.onComplete(t -> calls.add(String.valueOf(t)));
            forwardAndEnd(ex, Forward.to("127.0.0.1", upstream.port()));
        });
        try (RawClient c = new RawClient(port)) {
            assertEquals(200, c.send(get("/ok")).read().status());
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> calls.size() == 1);
        assertEquals("null", calls.peek());
    }
}
