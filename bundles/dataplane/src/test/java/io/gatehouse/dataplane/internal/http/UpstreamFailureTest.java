package io.gatehouse.dataplane.internal.http;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

/** Upstreams that misbehave at the socket level: garbage instead of HTTP, or a close instead of a response. */
public class UpstreamFailureTest extends DataPlaneTestSupport {
    private ServerSocket raw;
    private ExecutorService acceptor;

    @Before
    public void startRaw() throws Exception {
        raw = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
        acceptor = Executors.newSingleThreadExecutor();
    }

    @After
    public void stopRaw() throws Exception {
        raw.close();
        acceptor.shutdownNow();
        assertTrue(acceptor.awaitTermination(5, TimeUnit.SECONDS));
    }

    /** Serves one connection: reads the request head, then lets {@code reply} act on the socket. */
    private void serveOnce(Consumer<Socket> reply) {
        acceptor.execute(() -> {
            try (Socket s = raw.accept()) {
                InputStream in = s.getInputStream();
                int matched = 0;
                byte[] end = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
                while (matched < 4) {
                    int c = in.read();
                    if (c < 0) {
                        return;
                    }
                    matched = c == end[matched] ? matched + 1 : (c == '\r' ? 1 : 0);
                }
                reply.accept(s);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Test
    public void garbageInsteadOfAResponseIs502ProtocolError() throws Exception {
        serveOnce(s -> {
            try {
                OutputStream out = s.getOutputStream();
                out.write("NOT HTTP AT ALL\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        int port = bind(proxyTo(raw::getLocalPort, f -> f));
        try (RawClient c = new RawClient(port)) {
            RawClient.Response r = c.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n").read();
            assertEquals(502, r.status());
            assertTrue(r.text(), r.text().contains("protocol_error"));
        }
    }

    @Test
    public void closeBeforeTheResponseIs502Reset() throws Exception {
        serveOnce(s -> {
        });
        int port = bind(proxyTo(raw::getLocalPort, f -> f));
        try (RawClient c = new RawClient(port)) {
            RawClient.Response r = c.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n").read();
            assertEquals(502, r.status());
            assertTrue(r.text(), r.text().contains("reset"));
        }
    }
}
