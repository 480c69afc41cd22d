package io.gatehouse.dataplane.internal.http;

import static org.awaitility.Awaitility.await;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.gatehouse.api.plugin.Attempt;
import io.gatehouse.api.plugin.Forward;
import io.gatehouse.api.plugin.UpstreamException;
import io.gatehouse.dataplane.ServerExchange;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.Test;

/**
 * Several upstream attempts per exchange, in the real data plane: retries with the request body replayed
 * from the kept copy, the bound on that copy, hedging (first response wins, the other cancelled), mirroring,
 * and every outcome visible on the exchange. Buffers are checked with paranoid leak detection.
 */
public class AttemptsTest extends DataPlaneTestSupport {
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final List<List<Attempt>> seen = new CopyOnWriteArrayList<>();

    private Forward up() {
        return Forward.to("127.0.0.1", upstream.port()).readTimeout(Duration.ofSeconds(5))
                .connectTimeout(Duration.ofSeconds(2));
    }

    private static Throwable unwrap(Throwable e) {
        return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    }

    private void answerError(ServerExchange ex, Throwable e) {
        Throwable cause = unwrap(e);
        if (cause instanceof UpstreamException u) {
            ex.respondError(u.status(), u.reason().name(), u.getMessage());
        } else {
            ex.respondError(500, "internal_error", String.valueOf(cause));
        }
    }

    /** An attempt to the test upstream with {@code uri} as its own request target. */
    private static Attempt attempt(ServerExchange ex, Forward target, String uri) {
        Attempt a = ex.attempt(target);
        a.request().uri(uri);
        return a;
    }

    /** First /status/503, then, when the answer is 503, the same request to {@code second}. */
    private Consumer<ServerExchange> retryAfter503(long keep, String second) {
        return ex -> {
            if (keep > 0) {
                ex.bufferRequestBody(keep);
            }
            Forward target = up();
            Attempt first = attempt(ex, target, "/status/503");
            first.send().whenComplete((r, e) -> {
                if (e != null || r.status() != 503) {
                    answerError(ex, e);
                    ex.end();
                    return;
                }
                attempt(ex, target, second).send().whenComplete((r2, e2) -> {
                    seen.add(List.copyOf(ex.attempts()));
                    if (e2 != null) {
                        answerError(ex, e2);
                    } else {
                        ex.attempts().get(1).use();
                    }
                    ex.end();
                });
            });
        };
    }

    private static byte[] body(int n) {
        byte[] b = new byte[n];
        TestUpstream.fill(b, 0, n);
        return b;
    }

    private static String sha(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    private HttpResponse<String> post(int port, String path, byte[] body) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(20)).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(int port, String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    public void aRetryReplaysTheKeptBody() throws Exception {
        int port = bind(ex -> retryAfter503(1 << 20, "/sha").accept(ex));
        byte[] body = body(300_000);
        HttpResponse<String> r = post(port, "/", body);
        assertEquals(200, r.statusCode());
        assertEquals(sha(body) + " " + body.length, r.body());
        List<Attempt> attempts = seen.get(0);
        assertEquals(2, attempts.size());
        assertEquals(Attempt.State.RESPONDED, attempts.get(0).state());
        assertEquals(503, attempts.get(0).status());
        assertFalse(attempts.get(0).bodyReplayed());
        assertEquals(200, attempts.get(1).status());
        assertTrue(attempts.get(1).bodyReplayed());
        assertTrue(attempts.get(1).elapsedNanos() > 0);
        // both attempts got the whole body
        await().atMost(Duration.ofSeconds(5)).until(() -> upstream.requests.size() == 2);
        upstream.requests.forEach(s -> assertEquals(body.length, s.bodyBytes()));
    }

    @Test
    public void aBodyLargerThanTheBoundIsNotReplayed() throws Exception {
        int port = bind(ex -> retryAfter503(1024, "/sha").accept(ex));
        HttpResponse<String> r = post(port, "/", body(100_000));
        assertEquals(502, r.statusCode());
        assertTrue(r.body(), r.body().contains("BODY_NOT_REPLAYABLE"));
        assertTrue(r.body(), r.body().contains("larger than the replay bound (1024 bytes)"));
        assertEquals(UpstreamException.Reason.BODY_NOT_REPLAYABLE, seen.get(0).get(1).error().reason());
        assertEquals(1, upstream.requests.size());
    }

    @Test
    public void withoutAKeptCopyTheBodyGoesOnce() throws Exception {
        int port = bind(ex -> retryAfter503(0, "/sha").accept(ex));
        HttpResponse<String> r = post(port, "/", body(10_000));
        assertEquals(502, r.statusCode());
        assertTrue(r.body(), r.body().contains("was not kept"));
    }

    @Test
    public void aRequestWithoutBodyIsRetriedWithoutKeepingAnything() throws Exception {
        int port = bind(ex -> retryAfter503(0, "/").accept(ex));
        HttpResponse<String> r = get(port, "/");
        assertEquals(200, r.statusCode());
        assertEquals("ok", r.body());
        assertEquals(2, upstream.requests.size());
    }

    @Test
    public void hedgingTakesTheFirstResponseAndCancelsTheOther() throws Exception {
        int port = bind(ex -> {
            ex.bufferRequestBody(1 << 20);
            Forward target = up();
            Attempt slow = attempt(ex, target, "/never");
            Attempt fast = attempt(ex, target, "/sha");
            for (Attempt a : List.of(slow, fast)) {
                a.send().whenComplete((r, e) -> {
                    if (e != null || ex.response() != null) {
                        return;
                    }
                    a.use();
                    for (Attempt other : ex.attempts()) {
                        if (other != a) {
                            other.cancel();
                        }
                    }
                    seen.add(List.copyOf(ex.attempts()));
                    ex.end();
                });
            }
        });
        int before = upstream.closedConnections.get();
        byte[] body = body(50_000);
        HttpResponse<String> r = post(port, "/", body);
        assertEquals(200, r.statusCode());
        assertEquals(sha(body) + " " + body.length, r.body());
        List<Attempt> attempts = seen.get(0);
        assertEquals(Attempt.State.CANCELLED, attempts.get(0).state());
        assertEquals(UpstreamException.Reason.CANCELLED, attempts.get(0).error().reason());
        assertEquals(Attempt.State.RESPONDED, attempts.get(1).state());
        // the loser's connection is closed, not pooled with a request in flight
        await().atMost(Duration.ofSeconds(5)).until(() -> upstream.closedConnections.get() > before);
        // the winner's connection was pooled: the next request reuses it
        int opened = upstream.connections.get();
        assertEquals(200, get(port, "/").statusCode());
        assertTrue(upstream.connections.get() <= opened + 1);
    }

    @Test
    public void aMirrorGetsACopyAndItsResponseIsDropped() throws Exception {
        int port = bind(ex -> {
            ex.bufferRequestBody(1 << 20);
            Forward target = up();
            Attempt mirror = ex.mirror(target);
            mirror.request().uri("/status/500");
            mirror.request().headers().set("X-Mirror", "1");
            mirror.send();
            forwardAndEnd(ex, target);
        });
        byte[] body = body(20_000);
        HttpResponse<String> r = post(port, "/", body);
        assertEquals(200, r.statusCode());
        assertEquals("ok", r.body());
        await().atMost(Duration.ofSeconds(5)).until(() -> upstream.requests.stream()
                .anyMatch(s -> s.uri().equals("/status/500")));
        TestUpstream.Seen shadow = upstream.requests.stream().filter(s -> s.uri().equals("/status/500")).findFirst()
                .orElseThrow();
        assertEquals(body.length, shadow.bodyBytes());
        assertEquals("1", shadow.header("X-Mirror"));
    }

    @Test
    public void anAttemptCannotBeSentTwiceNorAfterTheCommit() throws Exception {
        List<String> errors = new CopyOnWriteArrayList<>();
        int port = bind(ex -> {
            Attempt a = ex.attempt(up());
            a.send().whenComplete((r, e) -> {
                try {
                    a.send();
                } catch (IllegalStateException expected) {
                    errors.add("twice: " + expected.getMessage());
                }
                a.use();
                ex.end();
                try {
                    ex.attempt(up());
                } catch (IllegalStateException expected) {
                    errors.add("after: " + expected.getMessage());
                }
            });
        });
        assertEquals("ok", get(port, "/").body());
        assertEquals(List.of("twice: the attempt was already sent", "after: the response is already committed"),
                errors);
    }

    @Test
    public void aRefusedConnectionFailsOnlyItsAttempt() throws Exception {
        int dead;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            dead = s.getLocalPort();
        }
        int deadPort = dead;
        int port = bind(ex -> ex.forward(Forward.to("127.0.0.1", deadPort).connectTimeout(Duration.ofSeconds(2)))
                .whenComplete((r, e) -> {
                    forwardAndEnd(ex, up());
                    seen.add(List.copyOf(ex.attempts()));
                }));
        HttpResponse<String> r = post(port, "/sha", body(5000));
        assertEquals(200, r.statusCode());
        Attempt first = seen.get(0).get(0);
        assertEquals(Attempt.State.FAILED, first.state());
        assertEquals(UpstreamException.Reason.CONNECT_FAILED, first.error().reason());
        assertFalse("the body had not gone anywhere: no replay needed", seen.get(0).get(1).bodyReplayed());
        assertEquals("the second attempt's own (copied) head", "/sha", seen.get(0).get(1).request().uri());
        assertEquals("the client's Host, preserved", "127.0.0.1:" + port,
                seen.get(0).get(1).request().headers().get("Host"));
    }
}
