package io.gatehouse.dataplane.internal.http;

import static org.awaitility.Awaitility.await;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.gatehouse.dataplane.ListenerSettings;
import io.gatehouse.dataplane.RequestHandler;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.After;
import org.junit.Test;

/**
 * Slow and numerous clients: the request-head timeout (HTTP/1 and h2c), the body idle timeout, the
 * connection cap, and how re-applied limits reach new connections. Real listener, raw sockets.
 */
public class SlowClientTest extends DataPlaneTestSupport {
    private static final String GET = "GET / HTTP/1.1\r\nHost: h\r\n\r\n";
    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private final ScheduledExecutorService dripper = Executors.newScheduledThreadPool(2);
    private final AtomicInteger handled = new AtomicInteger();

    @After
    public void stopDripping() throws InterruptedException {
        dripper.shutdownNow();
        assertTrue(dripper.awaitTermination(5, TimeUnit.SECONDS));
    }

    private RequestHandler answer() {
        return ex -> {
            handled.incrementAndGet();
            if (ex.request().path().equals("/slow")) {
                ex.schedule(() -> {
                    ex.respond(200).body("slow".getBytes(StandardCharsets.UTF_8));
                    ex.end();
                }, 800, TimeUnit.MILLISECONDS);
                return;
            }
            ex.respond(200).body("ok".getBytes(StandardCharsets.UTF_8));
            ex.end();
        };
    }

    private ListenerSettings limits(long headMillis, long bodyIdleMillis, int maxConnections) {
        return settings().withClientLimits(Duration.ofMillis(headMillis), Duration.ofMillis(bodyIdleMillis),
                maxConnections);
    }

    /** Sends {@code bytes} one at a time every {@code periodMillis} until all are sent or the socket fails. */
    private Future<?> drip(RawClient c, byte[] bytes, long periodMillis) {
        AtomicInteger next = new AtomicInteger();
        return dripper.scheduleAtFixedRate(() -> {
            int i = next.getAndIncrement();
            if (i >= bytes.length) {
                throw new IllegalStateException("all sent");
            }
            try {
                c.send(new byte[] {bytes[i]});
            } catch (IOException e) {
                throw new IllegalStateException("closed", e);
            }
        }, 0, periodMillis, TimeUnit.MILLISECONDS);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static long millisSince(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
    }

    private static void assertTimedOut408(RawClient.Response r) {
        assertEquals(408, r.status());
        assertEquals("HTTP/1.1 408 Request Timeout", r.statusLine());
        assertEquals("application/json", r.header("Content-Type"));
        assertEquals("close", r.header("Connection"));
        assertTrue(r.text(), r.text().startsWith("{\"status\":408,\"error\":\"request_timeout\","));
    }

    // ------------------------------------------------------------------ request head, HTTP/1

    @Test
    public void aHeadDrippedByteByByteGets408WhenTheHeadTimeoutPasses() throws Exception {
        int port = bind(limits(1000, 30_000, 100), answer());
        try (RawClient c = new RawClient(port)) {
            long start = System.nanoTime();
            drip(c, ascii("GET / HTTP/1.1\r\nHost: h\r\nX-Pad: " + "a".repeat(200) + "\r\n\r\n"), 50);
            RawClient.Response r = c.read();
            long took = millisSince(start);
            assertTimedOut408(r);
            assertTrue("answered after " + took + " ms", took >= 950 && took < 4000);
            assertTrue(c.closedByServer());
        }
        assertEquals(0, handled.get());
    }

    @Test
    public void anIdleKeepAliveConnectionIsLeftToTheIdleTimeout() throws Exception {
        int port = bind(limits(300, 30_000, 100), answer());
        try (RawClient c = new RawClient(port)) {
            assertEquals(200, c.send(GET).read().status());
            c.soTimeout(1000);
            assertFalse("no byte, no head: nothing to time out", c.closedByServer());
            c.soTimeout(5000);
            assertEquals(200, c.send(GET).read().status());
        }
    }

    @Test
    public void aHeadBegunDuringThePreviousExchangeIsTimedFromItsEnd() throws Exception {
        int port = bind(limits(400, 30_000, 100), answer());
        try (RawClient c = new RawClient(port)) {
            c.send("GET /slow HTTP/1.1\r\nHost: h\r\n\r\nGET /next HTTP/1.1\r\nHo");
            // 800 ms > 400 ms since the next head began, but it was not its turn: no 408 before the answer
            RawClient.Response first = c.read();
            long answered = System.nanoTime();
            assertEquals("slow", first.text());
            RawClient.Response second = c.read();
            long after = millisSince(answered);
            assertTimedOut408(second);
            assertTrue("408 " + after + " ms after the previous exchange", after >= 300 && after < 4000);
        }
        assertEquals(1, handled.get());
    }

    // ------------------------------------------------------------------ request head, h2c

    private static byte[] frame(int type, int flags, int stream, byte[] payload) {
        byte[] f = new byte[9 + payload.length];
        f[0] = (byte) (payload.length >>> 16);
        f[1] = (byte) (payload.length >>> 8);
        f[2] = (byte) payload.length;
        f[3] = (byte) type;
        f[4] = (byte) flags;
        f[5] = (byte) (stream >>> 24);
        f[6] = (byte) (stream >>> 16);
        f[7] = (byte) (stream >>> 8);
        f[8] = (byte) stream;
        System.arraycopy(payload, 0, f, 9, payload.length);
        return f;
    }

    /** :method GET, :scheme http, :path /, :authority localhost, then x-pad: 30 times a (HPACK). */
    private static byte[] headerBlock() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(new byte[] {(byte) 0x82, (byte) 0x86, (byte) 0x84, 0x41, 9});
        b.writeBytes(ascii("localhost"));
        b.writeBytes(new byte[] {0x40, 5});
        b.writeBytes(ascii("x-pad"));
        b.write(30);
        b.writeBytes(ascii("a".repeat(30)));
        return b.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            b.writeBytes(p);
        }
        return b.toByteArray();
    }

    private static final int HEADERS = 1;
    private static final int SETTINGS = 4;
    private static final int PING = 6;
    private static final int CONTINUATION = 9;
    private static final int END_STREAM = 1;
    private static final int END_HEADERS = 4;

    @Test
    public void anH2cHeadersFrameDrippedByteByByteClosesTheConnection() throws Exception {
        int port = bind(limits(1000, 30_000, 100), answer());
        try (RawClient c = new RawClient(port)) {
            c.send(concat(PREFACE, frame(SETTINGS, 0, 0, new byte[0])));
            long start = System.nanoTime();
            drip(c, frame(HEADERS, END_STREAM | END_HEADERS, 1, headerBlock()), 50);
            c.readUntilClosed();
            long took = millisSince(start);
            assertTrue("closed after " + took + " ms", took >= 950 && took < 4000);
        }
        assertEquals("the head never completed", 0, handled.get());
    }

    @Test
    public void anH2cHeaderBlockDrippedInCompleteContinuationFramesClosesTheConnection() throws Exception {
        int port = bind(limits(1000, 30_000, 100), answer());
        byte[] block = headerBlock();
        ByteArrayOutputStream continuations = new ByteArrayOutputStream();
        for (int i = 1; i < block.length; i += 6) {
            continuations.writeBytes(frame(CONTINUATION, 0, 1, java.util.Arrays.copyOfRange(block, i,
                    Math.min(block.length, i + 6))));
        }
        try (RawClient c = new RawClient(port)) {
            long start = System.nanoTime();
            c.send(concat(PREFACE, frame(SETTINGS, 0, 0, new byte[0]),
                    frame(HEADERS, END_STREAM, 1, new byte[] {block[0]})));
            // each frame is complete; only the header block is not (no END_HEADERS). Fewer than 16 frames:
            // Netty itself refuses more than 16 small CONTINUATION frames in a row
            dripFrames(c, continuations.toByteArray(), 15, 200);
            c.readUntilClosed();
            long took = millisSince(start);
            assertTrue("closed after " + took + " ms", took >= 950 && took < 4000);
        }
        assertEquals(0, handled.get());
    }

    /** Sends {@code bytes} in pieces of {@code size} every {@code periodMillis}. */
    private void dripFrames(RawClient c, byte[] bytes, int size, long periodMillis) {
        AtomicInteger next = new AtomicInteger();
        dripper.scheduleAtFixedRate(() -> {
            int from = next.getAndAdd(size);
            if (from >= bytes.length) {
                throw new IllegalStateException("all sent");
            }
            try {
                c.send(java.util.Arrays.copyOfRange(bytes, from, Math.min(bytes.length, from + size)));
            } catch (IOException e) {
                throw new IllegalStateException("closed", e);
            }
        }, 0, periodMillis, TimeUnit.MILLISECONDS);
    }

    @Test
    public void anIdleH2cConnectionAfterARequestIsNotTimedOut() throws Exception {
        int port = bind(limits(300, 30_000, 100), answer());
        try (RawClient c = new RawClient(port)) {
            c.send(concat(PREFACE, frame(SETTINGS, 0, 0, new byte[0]),
                    frame(HEADERS, END_STREAM | END_HEADERS, 1, headerBlock())));
            await().atMost(Duration.ofSeconds(5)).until(() -> handled.get() == 1);
            c.send(frame(PING, 0, 0, new byte[8]));
            c.soTimeout(1200);
            // control frames are complete frames: the connection stays (SocketTimeoutException = still open)
            assertThrows(SocketTimeoutException.class, c::readUntilClosed);
        }
    }

    // ------------------------------------------------------------------ request body

    @Test
    public void aBodyThatStopsGets408() throws Exception {
        int port = bind(limits(10_000, 500, 100), proxy());
        try (RawClient c = new RawClient(port)) {
            long start = System.nanoTime();
            c.send("POST /sha HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nabc");
            RawClient.Response r = c.read();
            long took = millisSince(start);
            assertTimedOut408(r);
            assertTrue(r.text(), r.text().contains("no request body data was received for 500 ms"));
            assertTrue("answered after " + took + " ms", took >= 450 && took < 4000);
            assertTrue(c.closedByServer());
        }
        assertEquals("the upstream never got a whole request", 0, upstream.requests.size());
        await().atMost(Duration.ofSeconds(5)).until(() -> upstream.closedConnections.get() == 1);
    }

    @Test
    public void aSlowButSteadyBodyIsNotTimedOut() throws Exception {
        int port = bind(limits(10_000, 500, 100), proxy());
        try (RawClient c = new RawClient(port)) {
            c.send("POST /sha HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n");
            drip(c, ascii("0123456789"), 150);
            RawClient.Response r = c.read();
            assertEquals(r.text(), 200, r.status());
            assertTrue(r.text(), r.text().endsWith(" 10"));
        }
    }

    @Test
    public void aBodyThatStopsAfterTheResponseStartedClosesTheConnection() throws Exception {
        ExecutorService upstreamThread = Executors.newSingleThreadExecutor();
        try (ServerSocket early = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Future<Boolean> upstreamSawClose = upstreamThread.submit(() -> answerEarly(early));
            int port = bind(limits(10_000, 500, 100), proxyTo(early::getLocalPort, f -> f));
            try (RawClient c = new RawClient(port)) {
                c.send("POST /up HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nabc");
                String got = new String(c.readUntilClosed(), StandardCharsets.ISO_8859_1);
                assertTrue(got, got.startsWith("HTTP/1.1 200 OK\r\n"));
                assertTrue(got, got.contains("5\r\nearly\r\n"));
                assertFalse("the response must not look complete: " + got, got.endsWith("0\r\n\r\n"));
            }
            assertTrue(upstreamSawClose.get(5, TimeUnit.SECONDS));
        } finally {
            upstreamThread.shutdownNow();
        }
    }

    /** Reads a request head, answers with the start of a chunked response, then waits for the close. */
    private static boolean answerEarly(ServerSocket server) throws IOException {
        try (Socket s = server.accept()) {
            s.setSoTimeout(10_000);
            InputStream in = s.getInputStream();
            int matched = 0;
            byte[] end = ascii("\r\n\r\n");
            while (matched < 4) {
                int b = in.read();
                if (b < 0) {
                    return false;
                }
                matched = b == end[matched] ? matched + 1 : b == '\r' ? 1 : 0;
            }
            s.getOutputStream().write(ascii("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nearly\r\n"));
            s.getOutputStream().flush();
            try {
                while (in.read() >= 0) {
                    // the body bytes the gateway passes on, until it closes
                }
            } catch (IOException e) {
                // reset: closed too
            }
            return true;
        }
    }

    // ------------------------------------------------------------------ connection cap

    @Test
    public void connectionsOverTheCapAreClosedAtOnceWithOneWarning() throws Exception {
        int port = bind(limits(10_000, 30_000, 2), answer());
        NettyHttpListener l = (NettyHttpListener) listener;
        PrintStream realErr = System.err;
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        try (RawClient a = new RawClient(port); RawClient b = new RawClient(port)) {
            assertEquals(200, a.send(GET).read().status());
            assertEquals(200, b.send(GET).read().status());
            System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
            try (RawClient over = new RawClient(port); RawClient again = new RawClient(port)) {
                assertTrue(over.closedByServer());
                assertTrue(again.closedByServer());
            } finally {
                System.setErr(realErr);
            }
            assertEquals(2, l.openConnections());
            a.close();
            await().atMost(Duration.ofSeconds(5)).until(() -> l.openConnections() == 1);
            try (RawClient fresh = new RawClient(port)) {
                assertEquals(200, fresh.send(GET).read().status());
            }
        }
        String text = log.toString(StandardCharsets.UTF_8);
        assertTrue(text, text.contains("WARN"));
        assertTrue(text, text.contains("HTTP server 'test' has 2 open client connections, its maxConnections limit"));
        assertEquals("rate-limited: " + text, 1, text.split("maxConnections limit", -1).length - 1);
    }

    @Test
    public void reconfiguredClientLimitsApplyToNewConnections() throws Exception {
        int port = bind(answer());
        try (RawClient old = new RawClient(port)) {
            assertEquals(200, old.send(GET).read().status());
            listener.reconfigure(limits(300, 30_000, 2));
            old.send("GET / HT");
            try (RawClient fresh = new RawClient(port)) {
                fresh.send("GET / HT");
                assertTimedOut408(fresh.read());
            }
            // accepted with a 10 s head timeout: still waiting for the rest of its head
            old.soTimeout(500);
            assertFalse(old.closedByServer());
            old.soTimeout(5000);
            assertEquals(200, old.send("TP/1.1\r\nHost: h\r\n\r\n").read().status());
            await().atMost(Duration.ofSeconds(5)).until(() -> ((NettyHttpListener) listener).openConnections() == 1);
            try (RawClient second = new RawClient(port)) {
                assertEquals(200, second.send(GET).read().status());
                try (RawClient third = new RawClient(port)) {
                    assertTrue("over the new cap of 2", third.closedByServer());
                }
            }
        }
    }
}
