package io.gatehouse.dataplane.internal.http;

import static org.awaitility.Awaitility.await;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeTrue;

import com.sun.management.UnixOperatingSystemMXBean;
import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.Test;

/**
 * 500 connections each dripping a request head one byte per 100 ms against a real listener (head timeout
 * 3 s) while a client makes normal proxied requests: every dripping connection is answered 408 and closed
 * once the timeout passes, normal requests keep succeeding quickly, and the gateway's file descriptors,
 * connections and threads return to where they were.
 */
public class SlowlorisTest extends DataPlaneTestSupport {
    private static final int DRIPPERS = 500;
    private static final long HEAD_TIMEOUT_MS = 3000;
    private static final long DRIP_PERIOD_MS = 100;
    private static final byte[] HEAD = ("GET /drip HTTP/1.1\r\nHost: h\r\nX-Pad: " + "a".repeat(200) + "\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII);

    /** One dripping client connection, touched only by the dripper thread. */
    private static final class Dripper {
        final SocketChannel channel;
        final StringBuilder received = new StringBuilder();
        int sent;
        long closedAt;

        Dripper(SocketChannel channel) {
            this.channel = channel;
        }

        boolean closed() {
            return closedAt != 0;
        }

        void close(long now) {
            closedAt = now;
            try {
                channel.close();
            } catch (IOException e) {
                // already gone
            }
        }
    }

    private static long openFileDescriptors() {
        String[] fds = new File("/proc/self/fd").list();
        return fds == null ? -1 : fds.length;
    }

    private static long gatewayThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("gatehouse-")).count();
    }

    @Test(timeout = 30_000)
    public void fiveHundredDrippingConnectionsAreClosedAndDoNotSlowNormalRequests() throws Exception {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        assumeTrue("needs /proc and a file descriptor count", os instanceof UnixOperatingSystemMXBean
                && openFileDescriptors() > 0);
        long fdLimit = ((UnixOperatingSystemMXBean) os).getMaxFileDescriptorCount();
        assumeTrue("ulimit -n is " + fdLimit + ": too low for " + DRIPPERS + " connections on both ends",
                fdLimit > 2L * DRIPPERS + 500);
        int port = bind(settings().withClientLimits(Duration.ofMillis(HEAD_TIMEOUT_MS), Duration.ofSeconds(30),
                10_000), proxy());
        NettyHttpListener l = (NettyHttpListener) listener;
        // warm up the proxy path (and its upstream connection) before taking the baselines
        try (RawClient c = new RawClient(port)) {
            assertEquals(200, c.send("GET /warm HTTP/1.1\r\nHost: h\r\n\r\n").read().status());
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> l.openConnections() == 0);
        long fdsBefore = openFileDescriptors();
        long threadsBefore = gatewayThreads();

        Selector selector = Selector.open();
        List<Dripper> drippers = new ArrayList<>(DRIPPERS);
        CompletableFuture<Void> dripping;
        long start;
        try {
            for (int i = 0; i < DRIPPERS; i++) {
                SocketChannel ch = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
                ch.configureBlocking(false);
                Dripper d = new Dripper(ch);
                ch.register(selector, SelectionKey.OP_READ, d);
                drippers.add(d);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> l.openConnections() == DRIPPERS);
            long peakFds = openFileDescriptors();
            start = System.nanoTime();
            dripping = CompletableFuture.runAsync(() -> drip(selector, drippers, start));

            // (b) normal requests meanwhile: new connections and a keep-alive one, all fast and successful
            List<Long> latencies = new ArrayList<>();
            long until = start + TimeUnit.MILLISECONDS.toNanos(HEAD_TIMEOUT_MS + 1500);
            try (RawClient keepAlive = new RawClient(port)) {
                int i = 0;
                while (System.nanoTime() < until) {
                    long t = System.nanoTime();
                    RawClient.Response r;
                    if (i++ % 2 == 0) {
                        r = keepAlive.send("GET /normal HTTP/1.1\r\nHost: h\r\n\r\n").read();
                    } else {
                        try (RawClient fresh = new RawClient(port)) {
                            r = fresh.send("GET /normal HTTP/1.1\r\nHost: h\r\n\r\n").read();
                        }
                    }
                    latencies.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t));
                    assertEquals(200, r.status());
                    assertEquals("ok", r.text());
                }
            }
            long worst = latencies.stream().mapToLong(Long::longValue).max().orElse(-1);
            long median = latencies.stream().sorted().skip(latencies.size() / 2).findFirst().orElse(-1L);
            assertTrue("normal requests made: " + latencies.size(), latencies.size() >= 20);
            // not held behind the dripping heads: a request that waited for them would take the head timeout;
            // the median, not the slowest (one request can stall that long on a machine with a load of 25)
            assertTrue("median normal request took " + median + " ms (slowest " + worst + " ms)",
                    median < HEAD_TIMEOUT_MS / 4);

            // (a) every dripping connection is closed once the head timeout passed, nearly all with a 408
            dripping.get(10, TimeUnit.SECONDS);
            int answered408 = 0;
            long earliest = Long.MAX_VALUE;
            long latest = 0;
            for (Dripper d : drippers) {
                assertTrue("every dripper closed", d.closed());
                assertTrue("never a complete head: " + d.sent, d.sent < HEAD.length);
                if (d.received.toString().startsWith("HTTP/1.1 408 Request Timeout\r\n")) {
                    answered408++;
                }
                earliest = Math.min(earliest, d.closedAt - start);
                latest = Math.max(latest, d.closedAt - start);
            }
            long earliestMs = TimeUnit.NANOSECONDS.toMillis(earliest);
            long latestMs = TimeUnit.NANOSECONDS.toMillis(latest);
            System.out.printf("slowloris: %d drippers, %d answered 408, closed between %d and %d ms; "
                            + "%d normal requests, median %d ms, slowest %d ms; fds %d -> peak %d (limit %d)%n",
                    DRIPPERS, answered408, earliestMs, latestMs, latencies.size(), median, worst, fdsBefore, peakFds,
                    fdLimit);
            assertTrue("closed no earlier than the head timeout: " + earliestMs, earliestMs >= HEAD_TIMEOUT_MS - 100);
            assertTrue("closed soon after the head timeout: " + latestMs, latestMs < HEAD_TIMEOUT_MS + 3000);
            // every one reads its 408: the gateway lingers after it (before, closing with unread input reset up to
            // 11 % of them, and the 408 was lost); 1 % left for a client whose read waited out the linger under load
            assertTrue("answered 408: " + answered408, answered408 >= DRIPPERS * 99 / 100);
            assertEquals("no dripper was routed", 0, upstream.requests.stream()
                    .filter(s -> s.uri().equals("/drip")).count());
        } finally {
            for (Dripper d : drippers) {
                d.close(1);
            }
            selector.close();
        }
        // (c) the gateway let go of every connection, file descriptor and thread
        await().atMost(Duration.ofSeconds(10)).until(() -> l.openConnections() == 0);
        await().atMost(Duration.ofSeconds(10)).until(() -> openFileDescriptors() <= fdsBefore + 10);
        assertTrue("gateway threads " + gatewayThreads() + " vs " + threadsBefore, gatewayThreads() <= threadsBefore);
        try (RawClient c = new RawClient(port)) {
            assertEquals(200, c.send("GET /after HTTP/1.1\r\nHost: h\r\n\r\n").read().status());
        }
    }

    /** Writes the next byte of the head to every open dripper each period and reads what comes back. */
    private static void drip(Selector selector, List<Dripper> drippers, long start) {
        ByteBuffer one = ByteBuffer.allocate(1);
        ByteBuffer in = ByteBuffer.allocate(4096);
        long nextDrip = start;
        long giveUp = start + TimeUnit.MILLISECONDS.toNanos(HEAD_TIMEOUT_MS + 8000);
        int open = drippers.size();
        try {
            while (open > 0 && System.nanoTime() < giveUp) {
                long now = System.nanoTime();
                if (now >= nextDrip) {
                    for (Dripper d : drippers) {
                        if (!d.closed() && d.sent < HEAD.length - 1) {
                            one.clear();
                            one.put(HEAD[d.sent]).flip();
                            try {
                                d.sent += d.channel.write(one);
                            } catch (IOException e) {
                                d.close(now);
                                open--;
                            }
                        }
                    }
                    nextDrip += TimeUnit.MILLISECONDS.toNanos(DRIP_PERIOD_MS);
                }
                selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(nextDrip - System.nanoTime())));
                for (SelectionKey key : selector.selectedKeys()) {
                    Dripper d = (Dripper) key.attachment();
                    if (d.closed()) {
                        continue;
                    }
                    in.clear();
                    int n;
                    try {
                        n = d.channel.read(in);
                    } catch (IOException e) {
                        n = -1;
                    }
                    if (n < 0) {
                        d.close(System.nanoTime());
                        open--;
                    } else {
                        d.received.append(new String(in.array(), 0, n, StandardCharsets.ISO_8859_1));
                    }
                }
                selector.selectedKeys().clear();
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
