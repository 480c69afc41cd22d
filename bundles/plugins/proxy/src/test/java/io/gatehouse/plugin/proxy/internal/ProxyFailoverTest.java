package io.gatehouse.plugin.proxy.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.gatehouse.api.config.Violation;
import io.gatehouse.api.plugin.Attempt;
import io.gatehouse.api.plugin.UpstreamException.Reason;
import io.gatehouse.testkit.FakeAttempt;
import io.gatehouse.testkit.FakeExchange;
import io.gatehouse.testkit.FakeRequest;
import io.gatehouse.testkit.PluginHarness;
import io.gatehouse.testkit.RecordingCompletion;
import java.util.List;
import org.junit.Before;
import org.junit.Test;

/** Failover to the next server of the pool, with nginx {@code proxy_next_upstream} semantics. */
public class ProxyFailoverTest {
    private final ProxyPluginKind kind = new ProxyPluginKind();
    private final PluginHarness<ProxySpec> harness = PluginHarness.of(kind).named("demo", "backend");

    @Before
    public void activate() {
        kind.activate();
    }

    private ProxyPlugin proxy(String retry) throws Exception {
        return (ProxyPlugin) harness.create("""
            {"pools": [{"servers": [{"url": "http://10.0.0.1"}, {"url": "http://10.0.0.2"}, {"url": "http://10.0.0.3"}]}]
            """ + (retry == null ? "" : ", \"retry\": " + retry) + "}");
    }

    private static FakeAttempt last(FakeExchange ex) {
        List<FakeAttempt> all = ex.fakeAttempts();
        return all.get(all.size() - 1);
    }

    private static List<String> servers(FakeExchange ex) {
        return ex.fakeAttempts().stream().map(a -> a.target().host()).toList();
    }

    @Test
    public void aRefusedConnectionGoesToTheNextServer() throws Exception {
        ProxyPlugin p = proxy(null);
        FakeExchange ex = FakeExchange.get("/");
        RecordingCompletion done = new RecordingCompletion();
        p.handle(ex, done);
        last(ex).fails(Reason.CONNECT_FAILED, "connection refused");
        assertEquals(2, ex.fakeAttempts().size());
        assertEquals(0, p.counters().get("http://10.0.0.1:80").get());
        last(ex).answers(200);
        assertEquals("", done.result());
        assertEquals(200, ex.response().status());
        assertEquals(List.of("10.0.0.1", "10.0.0.2"), servers(ex));
    }

    @Test
    public void everyServerOnceByDefaultThenTheLastErrorIsAnswered() throws Exception {
        ProxyPlugin p = proxy(null);
        FakeExchange ex = FakeExchange.get("/");
        RecordingCompletion done = new RecordingCompletion();
        p.handle(ex, done);
        last(ex).fails(Reason.CONNECT_FAILED, "connection refused");
        last(ex).fails(Reason.READ_TIMEOUT, "no response within the read timeout (60000 ms)");
        last(ex).fails(Reason.RESET, "closed the connection before responding");
        assertEquals(List.of("10.0.0.1", "10.0.0.2", "10.0.0.3"), servers(ex));
        assertEquals(ProxyPlugin.UPSTREAM_ERROR, done.result());
        assertEquals(502, ex.response().status());
        assertEquals("upstream 10.0.0.3:80: closed the connection before responding", ex.errorMessage());
        p.counters().values().forEach(c -> assertEquals(0, c.get()));
    }

    @Test
    public void triesBoundTheAttempts() throws Exception {
        ProxyPlugin p = proxy("{\"tries\": 2}");
        FakeExchange ex = FakeExchange.get("/");
        RecordingCompletion done = new RecordingCompletion();
        p.handle(ex, done);
        last(ex).fails(Reason.CONNECT_TIMEOUT, "connection timed out");
        last(ex).fails(Reason.CONNECT_TIMEOUT, "connection timed out");
        assertEquals(2, ex.fakeAttempts().size());
        assertEquals(504, ex.response().status());
    }

    @Test
    public void aNonIdempotentRequestThatReachedTheServerIsNotSentAgain() throws Exception {
        ProxyPlugin p = proxy(null);
        FakeExchange ex = new FakeExchange(new FakeRequest("POST", "/orders").header("Content-Length", "10"));
        RecordingCompletion done = new RecordingCompletion();
        p.handle(ex, done);
        assertEquals("the body is kept for a replay", 65536, ex.bodyKept());
        last(ex).fails(Reason.READ_TIMEOUT, "no response within the read timeout (60000 ms)");
        assertEquals(1, ex.fakeAttempts().size());
        assertEquals(504, ex.response().status());
    }

    @Test
    public void aNonIdempotentRequestWhoseConnectionFailedIsSentAgain() throws Exception {
        ProxyPlugin p = proxy(null);
        FakeExchange ex = new FakeExchange(new FakeRequest("POST", "/orders").header("Content-Length", "10"));
        p.handle(ex, new RecordingCompletion());
        last(ex).fails(Reason.CONNECT_FAILED, "connection refused");
        assertEquals(2, ex.fakeAttempts().size());
    }

    @Test
    public void nonIdempotentTrueSendsAgainAfterTheRequestReachedTheServer() throws Exception {
        ProxyPlugin p = proxy("{\"nonIdempotent\": true}");
        FakeExchange ex = new FakeExchange(new FakeRequest("PATCH", "/orders").header("Content-Length", "10"));
        p.handle(ex, new RecordingCompletion());
        last(ex).fails(Reason.RESET, "connection reset");
        assertEquals(2, ex.fakeAttempts().size());
        assertTrue(last(ex).bodyReplayed());
    }

    @Test
    public void aBodyLargerThanTheBufferIsNotRetried() throws Exception {
        ProxyPlugin p = proxy("{\"bodyBuffer\": \"1KiB\", \"nonIdempotent\": true}");
        FakeExchange ex = new FakeExchange(new FakeRequest("PUT", "/big").header("Content-Length", "5000"));
        p.handle(ex, new RecordingCompletion());
        last(ex).fails(Reason.RESET, "connection reset");
        assertEquals(1, ex.fakeAttempts().size());
        assertEquals(502, ex.response().status());
    }

    @Test
    public void listedStatusesAreRetriedAndTheLastAnswerIsPassedOn() throws Exception {
        ProxyPlugin p = proxy("{\"on\": [\"error\", \"http_503\"], \"tries\": 2}");
        FakeExchange ex = FakeExchange.get("/");
        RecordingCompletion done = new RecordingCompletion();
        p.handle(ex, done);
        last(ex).answers(503);
        assertEquals(2, ex.fakeAttempts().size());
        assertEquals(Attempt.State.RESPONDED, ex.fakeAttempts().get(0).state());
        last(ex).answers(503);
        assertEquals("", done.result());
        assertEquals(503, ex.response().status());
        assertEquals(List.of("10.0.0.1", "10.0.0.2"), servers(ex));
    }

    @Test
    public void statusesThatAreNotListedArePassedOn() throws Exception {
        ProxyPlugin p = proxy(null);
        FakeExchange ex = FakeExchange.get("/");
        RecordingCompletion done = new RecordingCompletion();
        p.handle(ex, done);
        last(ex).answers(503);
        assertEquals(1, ex.fakeAttempts().size());
        assertEquals("", done.result());
    }

    @Test
    public void anEmptyListNeverTriesAnotherServer() throws Exception {
        ProxyPlugin p = proxy("{\"on\": []}");
        FakeExchange ex = FakeExchange.get("/");
        p.handle(ex, new RecordingCompletion());
        last(ex).fails(Reason.CONNECT_FAILED, "connection refused");
        assertEquals(1, ex.fakeAttempts().size());
    }

    @Test
    public void theTotalTimeLimitStopsFailover() throws Exception {
        ProxyPlugin p = proxy("{\"timeout\": \"10ms\"}");
        FakeExchange ex = FakeExchange.get("/");
        p.handle(ex, new RecordingCompletion());
        long until = ex.startNanos() + 20_000_000L;
        org.awaitility.Awaitility.await().until(() -> System.nanoTime() > until);
        last(ex).fails(Reason.CONNECT_FAILED, "connection refused");
        assertEquals(1, ex.fakeAttempts().size());
    }

    @Test
    public void invalidRetrySpecsAreReportedAtTheirPath() {
        List<Violation> v = harness.violations("""
            {"pools": [{"servers": [{"url": "http://10.0.0.1"}]}],
             "retry": {"on": ["error", "http_99", "sometimes"], "tries": 17, "timeout": "soon", "bodyBuffer": "1TB"}}
            """);
        assertEquals(List.of("$.retry.on[1]", "$.retry.on[2]", "$.retry.tries", "$.retry.timeout", "$.retry.bodyBuffer"),
                v.stream().map(Violation::path).toList());
    }
}
