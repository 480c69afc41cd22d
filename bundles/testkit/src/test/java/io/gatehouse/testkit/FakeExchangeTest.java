package io.gatehouse.testkit;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gatehouse.api.plugin.Attempt;
import io.gatehouse.api.plugin.Forward;
import io.gatehouse.api.plugin.HttpResponse;
import io.gatehouse.api.plugin.UpstreamException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.Test;

public class FakeExchangeTest {

    @Test
    public void requestTargetIsRawAndHostAndLengthComeFromHeaders() {
        FakeRequest request = new FakeRequest("POST", "/a%20b/c?x=%2F&y").header("Host", "api.example.com:8443")
                .header("Content-Length", "12");
        assertEquals("/a%20b/c", request.path());
        assertEquals("x=%2F&y", request.query());
        assertEquals("api.example.com", request.host());
        assertEquals(12, request.contentLength());
        assertTrue(request.hasBody());
        assertEquals("HTTP/1.1", request.protocol());

        FakeRequest v6 = new FakeRequest("GET", "/").header("Host", "[::1]:8080");
        assertEquals("[::1]", v6.host());
        assertNull(v6.query());
        assertFalse(v6.hasBody());
        assertNull(new FakeRequest("GET", "/").host());
        assertEquals(-1, new FakeRequest("PUT", "/").header("Transfer-Encoding", "chunked").contentLength());
    }

    @Test
    public void forwardRecordsTheTargetAndTheTestAnswers() throws Exception {
        FakeExchange exchange = FakeExchange.get("/items").header("X-Tag", "1");
        exchange.request().uri("/v2/items");
        Forward target = Forward.to("127.0.0.1", 18080);
        AtomicReference<HttpResponse> seenAsResponse = new AtomicReference<>();
        CompletionStage<HttpResponse> stage = exchange.forward(target);
        stage.thenAccept(r -> seenAsResponse.set(exchange.response()));
        assertSame(target, exchange.forwardedTo());
        assertFalse(stage.toCompletableFuture().isDone());
        assertTrue(exchange.request().sent());
        assertThrows(IllegalStateException.class, () -> exchange.request().uri("/late"));
        assertThrows(IllegalStateException.class, () -> exchange.request().method("PUT"));
        assertEquals("/v2/items", exchange.request().uri());

        FakeResponse answer = exchange.upstreamAnswers(201);
        assertSame(answer, stage.toCompletableFuture().get());
        assertSame("the response is set before the stage completes", answer, seenAsResponse.get());
        assertTrue(answer.fromUpstream());
        assertThrows(IllegalStateException.class, () -> answer.body(new byte[1]));
        assertThrows(IllegalStateException.class, () -> exchange.upstreamAnswers(200));
    }

    @Test
    public void severalAttemptsEachWithItsOwnRequestAndOutcome() throws Exception {
        FakeExchange exchange = FakeExchange.get("/a");
        FakeAttempt first = exchange.attempt(Forward.to("127.0.0.1", 18080));
        first.request().headers().set("X-Try", "1");
        first.send();
        FakeAttempt second = exchange.attempt(Forward.to("127.0.0.1", 18081));
        assertEquals("each attempt copies the exchange's request", null, second.request().headers().get("X-Try"));
        FakeAttempt shadow = exchange.mirror(Forward.to("127.0.0.1", 18082));
        second.send();
        shadow.send();
        assertEquals(List.of(first, second, shadow), exchange.attempts());
        second.answers(200);
        second.use();
        first.cancel();
        assertEquals(Attempt.State.CANCELLED, first.state());
        assertEquals(UpstreamException.Reason.CANCELLED, first.error().reason());
        assertThrows(ExecutionException.class, () -> first.future().get());
        assertEquals(200, exchange.response().status());
        assertThrows(IllegalStateException.class, shadow::use);
        assertThrows(IllegalStateException.class, second::send);
        exchange.complete();
        assertEquals("a shadow outlives the exchange", Attempt.State.SENT, shadow.state());
    }

    @Test
    public void aBodySentOnceCannotGoAgainUnlessKept() {
        FakeExchange kept = new FakeExchange(new FakeRequest("POST", "/").header("Content-Length", "100"));
        assertTrue(kept.bufferRequestBody(1000));
        kept.forward(Forward.to("127.0.0.1", 1));
        assertTrue(kept.replayable());
        kept.forward(Forward.to("127.0.0.1", 2));
        assertTrue(kept.fakeAttempts().get(1).bodyReplayed());

        FakeExchange once = new FakeExchange(new FakeRequest("POST", "/").header("Content-Length", "100"));
        once.forward(Forward.to("127.0.0.1", 1));
        assertFalse(once.replayable());
        assertFalse("too late to keep it", once.bufferRequestBody(1000));
        once.forward(Forward.to("127.0.0.1", 2));
        assertEquals(UpstreamException.Reason.BODY_NOT_REPLAYABLE, once.fakeAttempts().get(1).error().reason());
    }

    @Test
    public void upstreamFailureIsTheTestsToGive() {
        FakeExchange exchange = FakeExchange.get("/");
        assertThrows(IllegalStateException.class, () -> exchange.upstreamAnswers(200));
        CompletableFuture<HttpResponse> stage = exchange.forward(Forward.to("127.0.0.1", 1)).toCompletableFuture();
        exchange.upstream().completeExceptionally(new UpstreamException(UpstreamException.Reason.CONNECT_FAILED,
                "refused", null));
        ExecutionException e = assertThrows(ExecutionException.class, stage::get);
        assertTrue(e.getCause() instanceof UpstreamException);
        assertNull(exchange.response());
    }

    @Test
    public void respondErrorHasTheGatewaysJsonBody() throws IOException {
        FakeExchange exchange = FakeExchange.get("/");
        exchange.respond(200).headers().set("X-Replaced", "1");
        FakeResponse error = exchange.respondError(503, "no_server", "no server for \"/\"");
        assertSame(error, exchange.response());
        assertEquals(503, error.status());
        assertFalse(error.fromUpstream());
        assertNull("replaces the previous response", error.headers().get("X-Replaced"));
        assertEquals("no_server", exchange.errorCode());
        assertEquals("no server for \"/\"", exchange.errorMessage());
        assertEquals("application/json", error.headers().get("Content-Type"));
        JsonNode body = new ObjectMapper().readTree(error.body());
        assertEquals(503, body.get("status").asInt());
        assertEquals("no_server", body.get("error").asText());
        assertEquals("no server for \"/\"", body.get("message").asText());
        assertEquals(Integer.toString(error.body().length), error.headers().get("Content-Length"));
    }

    @Test
    public void respondSetsABodyAndTheBodyIsCopied() {
        FakeExchange exchange = FakeExchange.get("/");
        byte[] bytes = "hello".getBytes(StandardCharsets.UTF_8);
        FakeResponse response = exchange.respond(200);
        response.body(bytes);
        bytes[0] = 'j';
        assertArrayEquals("hello".getBytes(StandardCharsets.UTF_8), response.body());
        assertEquals("5", response.headers().get("Content-Length"));
    }

    @Test
    public void completeRunsTheListenersOnceAndCommits() {
        FakeExchange exchange = FakeExchange.get("/");
        List<String> calls = new ArrayList<>();
        exchange.onComplete(cause -> calls.add("first " + cause));
        exchange.onComplete(cause -> calls.add("second " + cause));
        assertEquals(2, exchange.completionListeners());
        exchange.respond(204);
        assertFalse(exchange.over());
        exchange.complete();
        assertTrue(exchange.over());
        assertEquals(List.of("first null", "second null"), calls);
        assertTrue(exchange.response().committed());
        assertThrows(IllegalStateException.class, () -> exchange.respond(500));
        assertThrows(IllegalStateException.class, () -> exchange.response().body(new byte[0]));
        assertThrows(IllegalStateException.class, exchange::complete);
        assertThrows(IllegalStateException.class, () -> exchange.abort(new RuntimeException()));
        assertEquals(2, calls.size());
    }

    @Test
    public void abortPassesTheCause() {
        FakeExchange exchange = FakeExchange.get("/");
        AtomicReference<Throwable> seen = new AtomicReference<>();
        exchange.onComplete(seen::set);
        IOException reset = new IOException("connection reset");
        exchange.abort(reset);
        assertSame(reset, seen.get());
        assertTrue(exchange.over());
    }

    @Test
    public void offloadRunsDirectlyByDefault() throws Exception {
        FakeExchange exchange = FakeExchange.get("/");
        CompletableFuture<String> ok = exchange.offload(() -> "done").toCompletableFuture();
        assertEquals("done", ok.getNow(null));
        CompletableFuture<String> failed = exchange.<String>offload(() -> {
            throw new IOException("disk");
        }).toCompletableFuture();
        ExecutionException e = assertThrows(ExecutionException.class, failed::get);
        assertEquals("disk", e.getCause().getMessage());
    }

    @Test
    public void offloadRunsOnTheGivenExecutorAndCompletesOnTheEventLoop() throws Exception {
        ExecutorService blocking = Executors.newSingleThreadExecutor(r -> new Thread(r, "blocking"));
        ExecutorService loop = Executors.newSingleThreadExecutor(r -> new Thread(r, "loop"));
        try {
            FakeExchange exchange = FakeExchange.get("/").withOffloadExecutor(blocking).withExecutor(loop);
            AtomicReference<String> completedOn = new AtomicReference<>();
            CountDownLatch attached = new CountDownLatch(1);
            CompletableFuture<String> ranOn = exchange.offload(() -> {
                assertTrue(attached.await(5, TimeUnit.SECONDS));
                return Thread.currentThread().getName();
            }).whenComplete((v, e) -> completedOn.set(Thread.currentThread().getName())).toCompletableFuture();
            attached.countDown();
            assertEquals("blocking", ranOn.get(5, TimeUnit.SECONDS));
            assertEquals("loop", completedOn.get());
        } finally {
            blocking.shutdownNow();
            loop.shutdownNow();
            assertTrue(blocking.awaitTermination(5, TimeUnit.SECONDS));
            assertTrue(loop.awaitTermination(5, TimeUnit.SECONDS));
        }
    }

    @Test
    public void offloadFailsAtOnceWhenTheExecutorRejects() {
        FakeExchange exchange = FakeExchange.get("/").withOffloadExecutor(task -> {
            throw new RejectedExecutionException("queue full");
        });
        CompletableFuture<String> stage = exchange.offload(() -> "never").toCompletableFuture();
        assertTrue(stage.isCompletedExceptionally());
        ExecutionException e = assertThrows(ExecutionException.class, stage::get);
        assertTrue(e.getCause() instanceof RejectedExecutionException);
    }

    @Test
    public void timersAreRecordedAndFiredByTheTest() throws Exception {
        FakeExchange exchange = FakeExchange.get("/");
        List<String> ran = new ArrayList<>();
        ScheduledTask late = exchange.schedule(() -> ran.add("late"), 2, TimeUnit.SECONDS);
        ScheduledTask cancelled = exchange.schedule(() -> ran.add("cancelled"), 10, TimeUnit.MILLISECONDS);
        exchange.schedule(() -> {
            ran.add("early");
            exchange.schedule(() -> ran.add("nested"), 1, TimeUnit.MILLISECONDS);
        }, 500, TimeUnit.MILLISECONDS);
        assertEquals(Duration.ofSeconds(2), late.delay());
        assertEquals(3, exchange.scheduled().size());
        assertTrue(ran.isEmpty());
        cancelled.close();
        assertTrue(cancelled.cancelled());
        assertFalse(cancelled.fire());

        assertEquals(3, exchange.fireTimers());
        assertEquals(List.of("early", "nested", "late"), ran);
        assertTrue(late.fired());
        assertThrows(IllegalStateException.class, late::fire);
        assertEquals(0, exchange.fireTimers());
    }

    @Test
    public void addressesAndNamesAreConfigurable() {
        FakeExchange exchange = FakeExchange.from("::1").withServer("edge").withPipeline("orders").withScheme("https")
                .withLocalAddress(new InetSocketAddress("127.0.0.1", 8443));
        assertEquals(new InetSocketAddress("::1", 40000), exchange.remoteAddress());
        assertEquals(8443, exchange.localAddress().getPort());
        assertEquals("edge", exchange.server());
        assertEquals("orders", exchange.pipeline());
        assertEquals("https", exchange.scheme());
        assertTrue(exchange.startNanos() <= System.nanoTime());
        exchange.attributes().put("k", "v");
        assertEquals("v", exchange.attributes().get("k"));
    }
}
