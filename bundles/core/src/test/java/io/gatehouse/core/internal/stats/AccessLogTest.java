package io.gatehouse.core.internal.stats;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.awaitility.Awaitility.await;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gatehouse.core.internal.testkit.FakeExchange;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.Test;

/** The access log: a JSON line per completed exchange, written off the caller's thread; a full queue drops. */
public class AccessLogTest {
    private final ObjectMapper json = new ObjectMapper();

    private static FakeExchange exchange(String path, String pipeline) {
        FakeExchange x = new FakeExchange("POST", "shop.example", path, Runnable::run);
        x.withRemoteAddress(new InetSocketAddress("10.1.2.3", 50_000)).withServer("web").withPipeline(pipeline);
        return x;
    }

    @Test
    public void aCompletedExchangeIsOneJsonLine() throws Exception {
        List<String> lines = new CopyOnWriteArrayList<>();
        try (AccessLog log = new AccessLog(1024, batch -> lines.addAll(List.of(batch.split("\n"))))) {
            FakeExchange x = exchange("/orders/42", "shop");
            log.watch(x);
            x.respond(201);
            assertTrue("nothing is written before the exchange completes", lines.isEmpty());
            x.complete();
            await().atMost(10, SECONDS).until(() -> lines.size() == 1);
        }
        JsonNode line = json.readTree(lines.get(0));
        assertEquals("10.1.2.3", line.get("client").asText());
        assertEquals("web", line.get("server").asText());
        assertEquals("POST", line.get("method").asText());
        assertEquals("/orders/42", line.get("path").asText());
        assertEquals(201, line.get("status").asInt());
        assertEquals("shop", line.get("pipeline").asText());
        assertTrue(line.get("upstream").isNull());
        assertTrue(line.toString(), line.get("durationMs").asDouble() >= 0);
        assertTrue(line.get("time").asText().endsWith("Z"));
        assertFalse(line.has("aborted"));
    }

    /** The upstream calls (count and time) and the plugin results other than success are in the line. */
    @Test
    public void callsAndPluginResultsAreInTheLine() throws Exception {
        List<String> lines = new CopyOnWriteArrayList<>();
        try (AccessLog log = new AccessLog(1024, batch -> lines.addAll(List.of(batch.split("\n"))))) {
            FakeExchange x = exchange("/orders", "shop");
            AccessLog.Entry entry = log.watch(x);
            io.gatehouse.testkit.FakeAttempt refused = x.attempt(io.gatehouse.api.plugin.Forward.to("127.0.0.1", 1));
            refused.send();
            refused.fails(io.gatehouse.api.plugin.UpstreamException.Reason.CONNECT_FAILED, "refused");
            io.gatehouse.testkit.FakeAttempt answered = x.attempt(io.gatehouse.api.plugin.Forward.to("127.0.0.1", 2));
            answered.send();
            answered.answers(200);
            entry.result("auth", "anonymous");
            entry.result("backend", "noServer");
            // a plugin run again (a wrapper proceeding twice) keeps one key, its last result
            entry.result("backend", "upstreamError");
            x.respond(200);
            x.complete();
            await().atMost(10, SECONDS).until(() -> lines.size() == 1);
        }
        JsonNode line = json.readTree(lines.get(0));
        assertEquals(2, line.get("attempts").asInt());
        assertTrue(line.toString(), line.get("upstreamMs").asDouble() <= line.get("durationMs").asDouble());
        assertEquals("anonymous", line.at("/results/auth").asText());
        assertEquals("upstreamError", line.at("/results/backend").asText());
    }

    @Test
    public void aLineWithoutCallsHasNoCallFieldsAndItsResultsAreBounded() throws Exception {
        List<String> lines = new CopyOnWriteArrayList<>();
        try (AccessLog log = new AccessLog(1024, batch -> lines.addAll(List.of(batch.split("\n"))))) {
            FakeExchange x = exchange("/hello", "mock");
            AccessLog.Entry entry = log.watch(x);
            for (int i = 0; i < AccessLog.Entry.MAX_RESULTS + 5; i++) {
                entry.result("p" + i, "r");
            }
            x.respond(200);
            x.complete();
            await().atMost(10, SECONDS).until(() -> lines.size() == 1);
        }
        JsonNode line = json.readTree(lines.get(0));
        assertFalse(line.has("attempts"));
        assertFalse(line.has("upstreamMs"));
        assertEquals("at most the first results", AccessLog.Entry.MAX_RESULTS, line.get("results").size());
    }

    @Test
    public void timesAreIsoUtcToTheMillisecond() {
        AccessLog.Clock clock = new AccessLog.Clock();
        assertEquals("1970-01-01T00:00:00.000Z", clock.format(0));
        for (String t : new String[] {"2026-12-04T15:40:01.007Z", "2026-12-04T15:40:01.090Z", "2026-12-04T15:40:02.123Z"}) {
            assertEquals(t, clock.format(java.time.Instant.parse(t).toEpochMilli()));
        }
    }

    @Test
    public void anAbortedExchangeWithoutResponseIsLoggedAs500Aborted() throws Exception {
        List<String> lines = new CopyOnWriteArrayList<>();
        try (AccessLog log = new AccessLog(1024, batch -> lines.addAll(List.of(batch.split("\n"))))) {
            FakeExchange x = exchange("/slow", null);
            log.watch(x);
            x.abort(new IllegalStateException("the client went away"));
            await().atMost(10, SECONDS).until(() -> lines.size() == 1);
        }
        JsonNode line = json.readTree(lines.get(0));
        assertEquals(500, line.get("status").asInt());
        assertTrue(line.get("aborted").asBoolean());
        assertTrue(line.get("pipeline").isNull());
    }

    @Test
    public void aFullQueueDropsAndCountsInsteadOfWaiting() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        List<String> lines = new CopyOnWriteArrayList<>();
        AtomicInteger calls = new AtomicInteger();
        // the writer blocks on the first line: the queue (1024) fills up behind it
        try (AccessLog log = new AccessLog(1024, batch -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            calls.incrementAndGet();
            lines.addAll(List.of(batch.split("\n")));
        })) {
            int sent = 3000;
            for (int i = 0; i < sent; i++) {
                FakeExchange x = exchange("/r/" + i, "shop");
                log.watch(x);
                x.respond(200);
                x.complete();
            }
            // kept: the queue (1024) and the writer's batch in hand (at most 256); the rest is dropped and counted,
            // and the loop above never waited for the blocked writer
            assertTrue("dropped " + log.dropped(), log.dropped() >= sent - 1024 - 256);
            release.countDown();
            long kept = sent - log.dropped();
            await().atMost(10, SECONDS).until(() -> lines.size() == kept);
        }
        assertEquals("/r/0", json.readTree(lines.get(0)).get("path").asText());
        // the lines that waited together went to the logger together, at most 256 per call
        assertTrue(calls.get() + " logging calls for " + lines.size() + " lines",
                calls.get() <= 1 + (lines.size() + 255) / 256);
    }
}
