package io.gatehouse.dataplane.internal.http;

import static org.awaitility.Awaitility.await;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.gatehouse.dataplane.HttpListener;
import io.gatehouse.dataplane.ListenerSettings;
import io.gatehouse.dataplane.internal.DataPlaneSettings;
import io.gatehouse.dataplane.internal.NettyDataPlane;
import java.net.BindException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.Test;

/** Binding, swapping handler and limits, idle timeout, draining on close, upstream idle closes, NIO. */
public class ListenerLifecycleTest extends DataPlaneTestSupport {

    private static final String GET = "GET / HTTP/1.1\r\nHost: h\r\n\r\n";

    private static io.gatehouse.dataplane.RequestHandler answer(String text) {
        return ex -> {
            ex.respond(200).body(text.getBytes(StandardCharsets.UTF_8));
            ex.end();
        };
    }

    @Test
    public void addressInUseIsABindException() throws Exception {
        int port = bind(answer("a"));
        assertThrows(BindException.class, () -> dataPlane.bind(ListenerSettings.defaults("other", "127.0.0.1", port),
                answer("b")));
    }

    @Test
    public void handlerSwapAppliesToTheNextRequest() throws Exception {
        int port = bind(answer("first"));
        try (RawClient c = new RawClient(port)) {
            assertEquals("first", c.send(GET).read().text());
            listener.handler(answer("second"));
            assertEquals("second", c.send(GET).read().text());
        }
    }

    @Test
    public void reconfigureAppliesLimitsToNewConnectionsOnly() throws Exception {
        int port = bind(answer("ok"));
        ListenerSettings s = listener.settings();
        String longPath = "GET /" + "p".repeat(200) + " HTTP/1.1\r\nHost: h\r\n\r\n";
        try (RawClient old = new RawClient(port)) {
            // the connection is accepted (and its pipeline built) before the limits change
            assertEquals(200, old.send(GET).read().status());
            listener.reconfigure(new ListenerSettings(s.name(), s.address(), s.port(), 100, s.maxHeaderSize(),
                    s.maxRequestBody(), s.idleTimeout(), s.http2(), s.xForwarded(), s.via(), s.pathNormalization(),
                    s.requestHeadTimeout(), s.bodyIdleTimeout(), s.maxConnections()));
            assertEquals(200, old.send(longPath).read().status());
        }
        try (RawClient fresh = new RawClient(port)) {
            assertEquals(414, fresh.send(longPath).read().status());
        }
        assertThrows(IllegalArgumentException.class, () -> listener.reconfigure(
                ListenerSettings.defaults("x", "127.0.0.1", port + 1)));
    }

    @Test
    public void idleClientConnectionsAreClosed() throws Exception {
        ListenerSettings d = ListenerSettings.defaults("idle", "127.0.0.1", 0);
        int port = bind(settings(d.name(), 8192, 16384, 0, Duration.ofMillis(200), true, true, "gatehouse"),
                answer("ok"));
        try (RawClient c = new RawClient(port)) {
            assertEquals(200, c.send(GET).read().status());
            assertTrue(c.closedByServer());
        }
    }

    @Test
    public void closeLetsTheExchangeInProgressFinishAndReleasesThePort() throws Exception {
        // the exchange answers only once close() was called: its task then runs on the connection's event loop
        // after the drain that close() queued there (a fixed delay raced with close() on a loaded machine)
        CompletableFuture<Void> closeCalled = new CompletableFuture<>();
        int port = bind(ex -> closeCalled.thenRunAsync(() -> {
            ex.respond(200).body("late".getBytes(StandardCharsets.UTF_8));
            ex.end();
        }, ex.executor()));
        HttpListener l = listener;
        try (RawClient busy = new RawClient(port); RawClient idle = new RawClient(port)) {
            busy.send(GET);
            await().atMost(Duration.ofSeconds(5)).until(() -> ((NettyHttpListener) l).connectionCount() == 2);
            l.close();
            closeCalled.complete(null);
            assertTrue("idle connections are closed at once", idle.closedByServer());
            RawClient.Response r = busy.read();
            assertEquals("late", r.text());
            assertEquals("close", r.header("Connection"));
            assertTrue(busy.closedByServer());
        }
        listener = null;
        // the port is free again
        HttpListener again = dataPlane.bind(ListenerSettings.defaults("again", "127.0.0.1", port), answer("x"));
        again.close();
    }

    @Test
    public void upstreamClosingAnIdlePooledConnectionIsHandled() throws Exception {
        int port = bind(proxy());
        try (RawClient c = new RawClient(port)) {
            assertEquals(200, c.send("GET /quietclose HTTP/1.1\r\nHost: h\r\n\r\n").read().status());
            await().atMost(Duration.ofSeconds(5)).until(() -> upstream.closedConnections.get() == 1);
            assertEquals("ok", c.send(GET).read().text());
        }
        assertEquals(2, upstream.connections.get());
    }

    @Test
    public void idlePooledUpstreamConnectionsAreClosedAfterTheIdleTimeout() throws Exception {
        try (NettyDataPlane pooled = new NettyDataPlane(DataPlaneSettings.defaults().withEventLoops(1)
                .withUpstreamPool(4, Duration.ofMillis(200)).withDrainTimeout(Duration.ofSeconds(1)))) {
            HttpListener l = pooled.bind(ListenerSettings.defaults("pool", "127.0.0.1", 0), proxy());
            try (RawClient c = new RawClient(l.localAddress().getPort())) {
                assertEquals("ok", c.send(GET).read().text());
                assertEquals(1, upstream.connections.get());
                await().atMost(Duration.ofSeconds(5)).until(() -> upstream.closedConnections.get() == 1);
                assertEquals("ok", c.send(GET).read().text());
            }
            assertEquals(2, upstream.connections.get());
        }
    }

    @Test
    public void clientConnectionCloseIsHonoured() throws Exception {
        int port = bind(proxy());
        try (RawClient c = new RawClient(port)) {
            RawClient.Response r = c.send("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n").read();
            assertEquals("close", r.header("Connection"));
            assertTrue(c.closedByServer());
        }
        // the upstream connection was not affected by the client's choice
        assertEquals(0, upstream.closedConnections.get());
    }

    @Test
    public void nioTransportWorksToo() throws Exception {
        try (NettyDataPlane nio = new NettyDataPlane(DataPlaneSettings.defaults().withEventLoops(1)
                .withTransport("nio").withDrainTimeout(Duration.ofSeconds(1)))) {
            assertEquals("nio", nio.transport());
            assertEquals(1, nio.eventLoops());
            HttpListener l = nio.bind(ListenerSettings.defaults("nio", "127.0.0.1", 0), proxy());
            try (RawClient c = new RawClient(l.localAddress().getPort())) {
                assertEquals("ok", c.send(GET).read().text());
            }
        }
    }
}
