package io.gatehouse.dataplane.internal.http;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gatehouse.api.plugin.Forward;
import io.gatehouse.api.plugin.UpstreamException;
import io.gatehouse.api.plugin.UpstreamException.Reason;
import io.gatehouse.dataplane.internal.DataPlaneSettings;
import io.gatehouse.dataplane.internal.NettyDataPlane;
import io.netty.channel.ConnectTimeoutException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLHandshakeException;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.Parameterized;

/**
 * Connection failures towards an upstream are told in the gateway's words, whatever the transport: a refused
 * port is "connection refused" (not Netty's {@code finishConnect(..) failed with error(-111)}), an unroutable
 * address "no route to host" (not {@code null: /10.9.9.2:80}).
 */
@RunWith(Parameterized.class)
public class UpstreamErrorMessagesTest extends DataPlaneTestSupport {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Parameterized.Parameters(name = "{0}")
    public static Collection<Object[]> transports() {
        return Arrays.asList(new Object[][] {{"epoll"}, {"nio"}});
    }

    private final String transport;

    public UpstreamErrorMessagesTest(String transport) {
        this.transport = transport;
    }

    @Before
    public void useTransport() {
        dataPlane.close();
        dataPlane = new NettyDataPlane(DataPlaneSettings.defaults().withEventLoops(2).withTransport(transport)
                .withDrainTimeout(Duration.ofSeconds(2)).withBlocking(2, 2));
        assertEquals(transport, dataPlane.transport());
    }

    /** Proxies one request to {@code port} and returns the failure the forward completed with. */
    private UpstreamException forwardFailure(int port, Duration connectTimeout, List<JsonNode> answers)
            throws Exception {
        CompletableFuture<Throwable> failure = new CompletableFuture<>();
        int gateway = bind(ex -> ex.forward(Forward.to("127.0.0.1", port).connectTimeout(connectTimeout)
                .readTimeout(Duration.ofSeconds(5))).whenComplete((r, e) -> {
                    failure.complete(e);
                    UpstreamException ue = (UpstreamException) (e instanceof CompletionException ? e.getCause() : e);
                    ex.respondError(ue.status(), ue.reason().name().toLowerCase(), ue.getMessage());
                    ex.end();
                }));
        try (RawClient c = new RawClient(gateway)) {
            RawClient.Response r = c.send("GET /x HTTP/1.1\r\nHost: h\r\n\r\n").read();
            answers.add(JSON.readTree(r.text()));
        }
        Throwable e = failure.get(10, TimeUnit.SECONDS);
        return (UpstreamException) (e instanceof CompletionException ? e.getCause() : e);
    }

    @Test
    public void aRefusedPortIsConnectionRefused() throws Exception {
        int dead;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            dead = s.getLocalPort();
        }
        List<JsonNode> answers = new ArrayList<>();
        UpstreamException e = forwardFailure(dead, Duration.ofSeconds(2), answers);
        assertEquals(Reason.CONNECT_FAILED, e.reason());
        assertEquals("connection refused", e.getMessage());
        assertEquals(502, answers.get(0).get("status").asInt());
        assertEquals("connection refused", answers.get(0).get("message").asText());
    }

    @Test
    public void aConnectionThatIsNeverAcceptedTimesOut() throws Exception {
        // a listening socket whose accept queue is full drops SYNs: connects hang on loopback (Linux)
        try (ServerSocket full = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            List<Socket> fillers = new ArrayList<>();
            try {
                boolean saturated = false;
                for (int i = 0; i < 16 && !saturated; i++) {
                    Socket s = new Socket();
                    fillers.add(s);
                    try {
                        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), full.getLocalPort()), 200);
                    } catch (SocketTimeoutException expected) {
                        saturated = true;
                    }
                }
                assertTrue("could not saturate the accept queue", saturated);
                List<JsonNode> answers = new ArrayList<>();
                UpstreamException e = forwardFailure(full.getLocalPort(), Duration.ofMillis(300), answers);
                assertEquals(Reason.CONNECT_TIMEOUT, e.reason());
                assertEquals("connection timed out (no connection within the connect timeout, 300 ms)", e.getMessage());
                assertEquals(504, answers.get(0).get("status").asInt());
            } finally {
                for (Socket s : fillers) {
                    s.close();
                }
            }
        }
    }

    /** What each transport and JDK throws, as seen in the field, and what the gateway says for it. */
    @Test
    public void commonCausesAreNamed() {
        Object[][] table = {
            {new ConnectException("finishConnect(..) failed with error(-111)"), "connection refused", Reason.CONNECT_FAILED},
            {annotated(new ConnectException("finishConnect(..) failed with error(-111)")), "connection refused",
                Reason.CONNECT_FAILED},
            {new ConnectException("Connection refused: /127.0.0.1:1"), "connection refused", Reason.CONNECT_FAILED},
            {annotatedNoRoute(), "no route to host", Reason.CONNECT_FAILED},
            {new NoRouteToHostException("No route to host"), "no route to host", Reason.CONNECT_FAILED},
            {new ConnectException("finishConnect(..) failed with error(-113)"), "host unreachable", Reason.CONNECT_FAILED},
            {new SocketException("Network is unreachable"), "network unreachable", Reason.CONNECT_FAILED},
            {new ConnectException("finishConnect(..) failed with error(-101)"), "network unreachable",
                Reason.CONNECT_FAILED},
            {new ConnectException("finishConnect(..) failed with error(-110)"), "connection timed out",
                Reason.CONNECT_TIMEOUT},
            {new ConnectTimeoutException("connection timed out: /10.255.255.1:80"), "connection timed out",
                Reason.CONNECT_TIMEOUT},
            {new UnknownHostException("nowhere.invalid"), "unknown host", Reason.CONNECT_FAILED},
            {new IOException("readAddress(..) failed with error(-104)"), "connection reset", Reason.CONNECT_FAILED},
            {new SocketException("Connection reset"), "connection reset", Reason.CONNECT_FAILED},
            {new IOException("writev(..) failed with error(-32)"), "connection closed (broken pipe)",
                Reason.CONNECT_FAILED},
            {new ClosedChannelException(), "connection closed", Reason.CONNECT_FAILED},
            {new SSLHandshakeException("PKIX path building failed"), "TLS handshake failed", Reason.CONNECT_FAILED},
            {new IOException((String) null), "connection failed", Reason.CONNECT_FAILED},
            {new IllegalStateException("something odd"), "connection failed", Reason.CONNECT_FAILED},
        };
        for (Object[] row : table) {
            UpstreamErrors.Cause cause = UpstreamErrors.connect((Throwable) row[0]);
            assertEquals(String.valueOf(row[0]), row[1], cause.text());
            assertEquals(String.valueOf(row[0]), row[2], cause.reason());
            for (String internal : List.of("null", "finishConnect", "error(", "Exception", "/127.0.0.1")) {
                assertFalse(cause.text(), cause.text().contains(internal));
            }
        }
    }

    /** As Netty's AbstractChannel annotates a connect failure with the remote address. */
    private static ConnectException annotated(ConnectException cause) {
        ConnectException e = new ConnectException(cause.getMessage() + ": /127.0.0.1:1");
        e.initCause(cause);
        return e;
    }

    /** The native transport's unroutable network: a NoRouteToHostException without text, then annotated. */
    private static NoRouteToHostException annotatedNoRoute() {
        NoRouteToHostException bare = new NoRouteToHostException();
        NoRouteToHostException e = new NoRouteToHostException(bare.getMessage() + ": /10.9.9.2:80");
        e.initCause(bare);
        return e;
    }
}
