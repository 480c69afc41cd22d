package io.gatehouse.dataplane.internal.http;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.gatehouse.api.plugin.BodyTooLargeException;
import io.gatehouse.api.plugin.BodyTransform;
import io.gatehouse.api.plugin.Forward;
import io.gatehouse.api.plugin.HttpResponse;
import io.gatehouse.dataplane.ServerExchange;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.Test;

/**
 * Request and response bodies in the real data plane: read whole within a bound and replaced, or transformed
 * as they stream; bounds, framing (Content-Length or chunked), and failing transformations. Buffers are checked
 * with paranoid leak detection (the support class).
 */
public class BodiesTest extends DataPlaneTestSupport {
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final List<Throwable> errors = new CopyOnWriteArrayList<>();

    private Forward up() {
        return Forward.to("127.0.0.1", upstream.port()).readTimeout(Duration.ofSeconds(5))
                .connectTimeout(Duration.ofSeconds(2));
    }

    private static Throwable unwrap(Throwable e) {
        return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    }

    private static byte[] generated(int n) {
        byte[] b = new byte[n];
        TestUpstream.fill(b, 0, n);
        return b;
    }

    private static String sha(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    private java.net.http.HttpResponse<byte[]> post(int port, String path, byte[] body) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(20)).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofByteArray());
    }

    private java.net.http.HttpResponse<byte[]> get(int port, String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(20)).build(), java.net.http.HttpResponse.BodyHandlers.ofByteArray());
    }

    /** Forwards to the test upstream with the client's target, answering an upstream error with its status. */
    private void forward(ServerExchange ex) {
        ex.forward(up()).whenComplete((r, e) -> {
            if (e != null) {
                errors.add(unwrap(e));
                ex.respondError(502, "upstream", String.valueOf(unwrap(e)));
            }
            ex.end();
        });
    }

    /** XORs every byte with 0x5a, in a buffer of its own; counts the pieces it saw. */
    private static final class Xor implements BodyTransform {
        final AtomicInteger pieces = new AtomicInteger();
        private final byte[] tail;

        Xor(String tail) {
            this.tail = tail == null ? null : tail.getBytes(StandardCharsets.US_ASCII);
        }

        @Override
        public ByteBuffer piece(ByteBuffer piece) {
            pieces.incrementAndGet();
            ByteBuffer out = ByteBuffer.allocate(piece.remaining());
            while (piece.hasRemaining()) {
                out.put((byte) (piece.get() ^ 0x5a));
            }
            return out.flip();
        }

        @Override
        public ByteBuffer end() {
            return tail == null ? null : ByteBuffer.wrap(tail);
        }
    }

    private static byte[] xor(byte[] b) {
        byte[] out = b.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] ^= 0x5a;
        }
        return out;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** Sets the exchange's request target (what the test upstream answers depends on it). */
    private static ServerExchange to(ServerExchange ex, String uri) {
        ex.request().uri(uri);
        return ex;
    }

    // ------------------------------------------------------------------ request bodies

    @Test
    public void aRequestBodyReadWholeCanBeReplaced() throws Exception {
        int port = bind(ex -> ex.readRequestBody(1 << 20).whenComplete((body, e) -> {
            if (e != null) {
                errors.add(e);
                ex.respondError(500, "read", String.valueOf(e));
                ex.end();
                return;
            }
            ex.request().body(("read " + body.length + " bytes, sha " + hex(body)).getBytes(StandardCharsets.UTF_8));
            forward(ex);
        }));
        byte[] body = generated(300_000);
        java.net.http.HttpResponse<byte[]> r = post(port, "/echo", body);
        assertEquals(200, r.statusCode());
        String expected = "read 300000 bytes, sha " + sha(body);
        assertEquals(expected, new String(r.body(), StandardCharsets.UTF_8));
        TestUpstream.Seen seen = upstream.requests.peek();
        assertEquals(String.valueOf(expected.length()), seen.header("Content-Length"));
        assertNull(seen.header("Transfer-Encoding"));
        assertTrue(errors.toString(), errors.isEmpty());
    }

    private static String hex(byte[] b) {
        try {
            return sha(b);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    public void aRequestBodyReadWholeGoesUpstreamUnchangedWhenNotReplaced() throws Exception {
        int port = bind(ex -> ex.readRequestBody(1 << 20).thenRun(() -> forward(ex)));
        byte[] body = generated(200_000);
        java.net.http.HttpResponse<byte[]> r = post(port, "/sha", body);
        assertEquals(200, r.statusCode());
        assertEquals(sha(body) + " " + body.length, new String(r.body(), StandardCharsets.US_ASCII));
    }

    @Test
    public void aRequestBodyOverTheReadBoundFailsTheReadAndThePluginAnswers413() throws Exception {
        int port = bind(ex -> ex.readRequestBody(1000).whenComplete((body, e) -> {
            errors.add(unwrap(e));
            ex.respondError(413, "payload_too_large", "at most 1000 bytes");
            ex.end();
        }));
        java.net.http.HttpResponse<byte[]> r = post(port, "/echo", generated(100_000));
        assertEquals(413, r.statusCode());
        assertTrue(errors.get(0) instanceof BodyTooLargeException);
        assertEquals(1000, ((BodyTooLargeException) errors.get(0)).limit());
        assertTrue(upstream.requests.isEmpty());
    }

    @Test
    public void aRequestBodyOverTheReadBoundStillStreamsWholeWhenForwarded() throws Exception {
        int port = bind(ex -> ex.readRequestBody(10_000).whenComplete((body, e) -> {
            errors.add(unwrap(e));
            forward(ex);
        }));
        byte[] body = generated(400_000);
        java.net.http.HttpResponse<byte[]> r = post(port, "/sha", body);
        assertEquals(200, r.statusCode());
        assertEquals(sha(body) + " " + body.length, new String(r.body(), StandardCharsets.US_ASCII));
        assertTrue(errors.get(0) instanceof BodyTooLargeException);
    }

    @Test
    public void aRequestBodyIsTransformedAsItStreamsAndSentChunked() throws Exception {
        Xor xor = new Xor("-end");
        int port = bind(ex -> {
            ex.transformRequestBody(xor);
            forward(ex);
        });
        byte[] body = generated(500_000);
        java.net.http.HttpResponse<byte[]> r = post(port, "/sha", body);
        assertEquals(200, r.statusCode());
        byte[] sent = concat(xor(body), "-end".getBytes(StandardCharsets.US_ASCII));
        assertEquals(sha(sent) + " " + sent.length, new String(r.body(), StandardCharsets.US_ASCII));
        TestUpstream.Seen seen = upstream.requests.peek();
        assertEquals("chunked", seen.header("Transfer-Encoding"));
        assertNull(seen.header("Content-Length"));
        assertTrue("pieces " + xor.pieces, xor.pieces.get() > 1);
    }

    @Test
    public void aBodyChangeAfterTheFirstAttemptIsRefused() throws Exception {
        int port = bind(ex -> {
            ex.bufferRequestBody(1 << 16);
            ex.forward(up()).whenComplete((r, e) -> {
                for (Runnable late : List.<Runnable>of(() -> ex.readRequestBody(10),
                        () -> ex.transformRequestBody(new Xor(null)), () -> ex.request().body(new byte[1]))) {
                    try {
                        late.run();
                        errors.add(new AssertionError("accepted after the first attempt"));
                    } catch (IllegalStateException expected) {
                        // refused
                    }
                }
                ex.end();
            });
        });
        java.net.http.HttpResponse<byte[]> r = post(port, "/echo", "abc".getBytes(StandardCharsets.US_ASCII));
        assertEquals("abc", new String(r.body(), StandardCharsets.US_ASCII));
        assertTrue(errors.toString(), errors.isEmpty());
    }

    @Test
    public void aBodyCannotBeReplacedBeforeItWasReadWhole() throws Exception {
        int port = bind(ex -> {
            try {
                ex.request().body(new byte[] {1});
                errors.add(new AssertionError("replaced a body that was not read"));
            } catch (IllegalStateException expected) {
                // refused
            }
            forward(ex);
        });
        java.net.http.HttpResponse<byte[]> r = post(port, "/echo", "abc".getBytes(StandardCharsets.US_ASCII));
        assertEquals("abc", new String(r.body(), StandardCharsets.US_ASCII));
        assertTrue(errors.toString(), errors.isEmpty());
    }

    @Test
    public void aFailingRequestTransformationAnswers500() throws Exception {
        int port = bind(ex -> {
            ex.transformRequestBody(piece -> {
                throw new IllegalStateException("broken transformation");
            });
            forward(ex);
        });
        java.net.http.HttpResponse<byte[]> r = post(port, "/sha", generated(100_000));
        assertEquals(500, r.statusCode());
        assertTrue(new String(r.body(), StandardCharsets.UTF_8).contains("transform_failed"));
    }

    // ------------------------------------------------------------------ response bodies

    @Test
    public void anUpstreamBodyReadWholeCanBeReplacedAndIsSentWithItsLength() throws Exception {
        int port = bind(ex -> to(ex, "/big/300000").forward(up()).thenCompose(r -> r.readBody(1 << 20))
                .whenComplete((body, e) -> {
                    if (e != null) {
                        errors.add(unwrap(e));
                    } else {
                        ex.response().headers().set("X-Read", String.valueOf(body.length));
                        ex.response().body(hex(body).getBytes(StandardCharsets.US_ASCII));
                    }
                    ex.end();
                }));
        java.net.http.HttpResponse<byte[]> r = get(port, "/");
        assertEquals(200, r.statusCode());
        assertEquals(sha(generated(300_000)), new String(r.body(), StandardCharsets.US_ASCII));
        assertEquals("300000", r.headers().firstValue("X-Read").orElse(null));
        assertEquals("64", r.headers().firstValue("Content-Length").orElse(null));
        assertFalse(r.headers().firstValue("Transfer-Encoding").isPresent());
        assertTrue(errors.toString(), errors.isEmpty());
        // the upstream connection was freed once the body was in: the next request reuses it
        assertEquals(200, get(port, "/").statusCode());
        assertEquals(1, upstream.connections.get());
    }

    @Test
    public void anUpstreamBodyOverTheReadBoundStreamsUnchanged() throws Exception {
        int port = bind(ex -> to(ex, "/big/300000").forward(up()).thenCompose(r -> r.readBody(10_000))
                .whenComplete((body, e) -> {
                    errors.add(unwrap(e));
                    ex.end();
                }));
        java.net.http.HttpResponse<byte[]> r = get(port, "/");
        assertEquals(200, r.statusCode());
        assertArrayEquals(generated(300_000), r.body());
        assertTrue(errors.get(0) instanceof BodyTooLargeException);
    }

    @Test
    public void anUpstreamBodyIsTransformedAsItStreams() throws Exception {
        Xor xor = new Xor("-end");
        int port = bind(ex -> to(ex, "/big/600000").forward(up()).whenComplete((r, e) -> {
            ex.response().transformBody(xor);
            ex.end();
        }));
        java.net.http.HttpResponse<byte[]> r = get(port, "/");
        assertEquals(200, r.statusCode());
        assertArrayEquals(concat(xor(generated(600_000)), "-end".getBytes(StandardCharsets.US_ASCII)), r.body());
        assertFalse(r.headers().firstValue("Content-Length").isPresent());
        assertTrue("pieces " + xor.pieces, xor.pieces.get() > 1);
    }

    @Test
    public void anUpstreamBodyWithALengthIsTransformedAndSentChunked() throws Exception {
        int port = bind(ex -> ex.forward(up()).whenComplete((r, e) -> {
            ex.response().transformBody(new Xor(null));
            ex.end();
        }));
        byte[] body = generated(50_000);
        java.net.http.HttpResponse<byte[]> r = post(port, "/echo", body);
        assertArrayEquals(xor(body), r.body());
        assertFalse(r.headers().firstValue("Content-Length").isPresent());
        assertEquals("chunked", r.headers().firstValue("Transfer-Encoding").orElse(null));
    }

    @Test
    public void aGatewayBodyIsTransformedInOnePieceWithItsNewLength() throws Exception {
        int port = bind(ex -> {
            HttpResponse made = ex.respond(200);
            made.body("hello".getBytes(StandardCharsets.US_ASCII));
            made.transformBody(new Xor("!"));
            made.transformBody(piece -> piece); // the piece itself: unchanged
            ex.end();
        });
        java.net.http.HttpResponse<byte[]> r = get(port, "/");
        assertArrayEquals(concat(xor("hello".getBytes(StandardCharsets.US_ASCII)), new byte[] {'!'}), r.body());
        assertEquals("6", r.headers().firstValue("Content-Length").orElse(null));
    }

    @Test
    public void aTransformationThatFailsMidStreamClosesTheConnection() throws Exception {
        int port = bind(ex -> to(ex, "/big/600000").forward(up()).whenComplete((r, e) -> {
            AtomicInteger n = new AtomicInteger();
            ex.response().transformBody(piece -> {
                if (n.incrementAndGet() == 3) {
                    throw new IllegalStateException("broken transformation");
                }
                return piece;
            });
            ex.end();
        }));
        try {
            java.net.http.HttpResponse<byte[]> r = get(port, "/");
            fail("a whole response arrived: " + r.statusCode() + ", " + r.body().length + " bytes");
        } catch (IOException expected) {
            // the connection was closed in the middle of the chunked body
        }
    }

    @Test
    public void aFailingTransformationOfAGatewayBodyAnswers500() throws Exception {
        int port = bind(ex -> {
            ex.respond(200).body(new byte[] {1, 2, 3});
            ex.response().transformBody(piece -> {
                throw new IllegalStateException("broken transformation");
            });
            ex.end();
        });
        java.net.http.HttpResponse<byte[]> r = get(port, "/");
        assertEquals(500, r.statusCode());
        assertTrue(new String(r.body(), StandardCharsets.UTF_8).contains("transform_failed"));
    }
}
