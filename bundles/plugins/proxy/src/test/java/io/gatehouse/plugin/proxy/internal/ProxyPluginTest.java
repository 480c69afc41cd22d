package io.gatehouse.plugin.proxy.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.gatehouse.api.plugin.Forward;
import io.gatehouse.api.plugin.Plugin;
import io.gatehouse.api.plugin.UpstreamException;
import io.gatehouse.testkit.FakeExchange;
import io.gatehouse.testkit.PluginHarness;
import io.gatehouse.testkit.RecordingCompletion;
import java.time.Duration;
import java.util.List;
import org.junit.Before;
import org.junit.Test;

public class ProxyPluginTest {
    private final ProxyPluginKind kind = new ProxyPluginKind();
    private final PluginHarness<ProxySpec> harness = PluginHarness.of(kind).named("demo", "backend");

    @Before
    public void activate() {
        kind.activate();
    }

    private ProxyPlugin create(String json, Plugin previous) throws Exception {
        return (ProxyPlugin) harness.create(json, previous);
    }

    private static String pool(String policy, String... urls) {
        StringBuilder servers = new StringBuilder();
        for (String url : urls) {
            servers.append(servers.length() == 0 ? "" : ", ").append("{\"url\": \"").append(url).append("\"}");
        }
        return "{\"pools\": [{\"servers\": [" + servers + "], \"loadBalance\": {\"policy\": \"" + policy + "\"}}]}";
    }

    @Test
    public void kindDescribesItself() {
        assertEquals("proxy", kind.name());
        assertEquals(List.of("upstreamError", "noServer"), kind.results());
        assertSame(ProxySpec.class, kind.specType());
        assertFalse(kind.description().isEmpty());
    }

    @Test
    public void forwardsWithThePrebuiltForwardAndContinues() throws Exception {
        ProxyPlugin plugin = create("""
            {"pools": [{"servers": [{"url": "http://127.0.0.1:18080"}, {"url": "http://LOCALHOST:18081/"}]}],
             "connectTimeout": "250ms", "readTimeout": "2s", "hostHeader": "upstream"}
            """, null);
        FakeExchange first = FakeExchange.get("/a");
        RecordingCompletion done = new RecordingCompletion();
        plugin.handle(first, done);
        Forward target = first.forwardedTo();
        assertNotNull(target);
        assertEquals("127.0.0.1:18080", target.authority());
        assertEquals(Duration.ofMillis(250), target.connectTimeout());
        assertEquals(Duration.ofSeconds(2), target.readTimeout());
        assertEquals(Forward.HostMode.UPSTREAM, target.hostMode());
        assertFalse("completes only when the upstream answers", done.done());
        first.upstreamAnswers(200);
        assertEquals("", done.result());

        FakeExchange second = FakeExchange.get("/b");
        plugin.handle(second, new RecordingCompletion());
        assertEquals("localhost:18081", second.forwardedTo().authority());
        FakeExchange third = FakeExchange.get("/c");
        plugin.handle(third, new RecordingCompletion());
        assertSame("the Forward is built once per server", target, third.forwardedTo());
    }

    @Test
    public void fixedAndPreservedHost() throws Exception {
        FakeExchange exchange = FakeExchange.get("/");
        create("{\"pools\": [{\"servers\": [{\"url\": \"http://127.0.0.1:1\"}]}], \"hostHeader\": \"api.internal\"}",
                null).handle(exchange, new RecordingCompletion());
        assertEquals(Forward.HostMode.FIXED, exchange.forwardedTo().hostMode());
        assertEquals("api.internal", exchange.forwardedTo().hostValue());
        FakeExchange preserved = FakeExchange.get("/");
        create(pool("roundRobin", "http://127.0.0.1:1"), null).handle(preserved, new RecordingCompletion());
        assertEquals(Forward.HostMode.PRESERVE, preserved.forwardedTo().hostMode());
    }

    @Test
    public void refusedConnectionIsUpstreamError502() throws Exception {
        ProxyPlugin plugin = create(pool("roundRobin", "http://127.0.0.1:18080"), null);
        FakeExchange exchange = FakeExchange.get("/");
        RecordingCompletion done = new RecordingCompletion();
        plugin.handle(exchange, done);
        exchange.upstream().completeExceptionally(new UpstreamException(UpstreamException.Reason.CONNECT_FAILED,
                "connection refused", null));
        assertEquals("upstreamError", done.result());
        assertEquals(502, exchange.response().status());
        assertEquals("upstream_error", exchange.errorCode());
        assertTrue(exchange.errorMessage(), exchange.errorMessage().contains("127.0.0.1:18080"));
        assertTrue(exchange.errorMessage(), exchange.errorMessage().contains("connection refused"));
    }

    @Test
    public void timeoutIsUpstreamError504() throws Exception {
        ProxyPlugin plugin = create(pool("roundRobin", "http://127.0.0.1:18080"), null);
        for (UpstreamException.Reason reason : List.of(UpstreamException.Reason.CONNECT_TIMEOUT,
                UpstreamException.Reason.READ_TIMEOUT)) {
            FakeExchange exchange = FakeExchange.get("/");
            RecordingCompletion done = new RecordingCompletion();
            plugin.handle(exchange, done);
            exchange.upstream().completeExceptionally(new UpstreamException(reason, "no answer within 2s", null));
            assertEquals("upstreamError", done.result());
            assertEquals(504, exchange.response().status());
            assertEquals("upstream_timeout", exchange.errorCode());
        }
    }

    @Test
    public void unexpectedFailureFails() throws Exception {
        ProxyPlugin plugin = create(pool("roundRobin", "http://127.0.0.1:18080"), null);
        FakeExchange exchange = FakeExchange.get("/");
        RecordingCompletion done = new RecordingCompletion();
        plugin.handle(exchange, done);
        IllegalStateException boom = new IllegalStateException("boom");
        exchange.upstream().completeExceptionally(boom);
        assertSame(boom, done.failure());
        assertNull(done.result());
        assertNull(exchange.response());
    }

    @Test
    public void aForwardAfterTheCommitFailsThePluginAndReleasesTheServer() throws Exception {
        ProxyPlugin plugin = create(pool("roundRobin", "http://127.0.0.1:18080"), null);
        FakeExchange exchange = FakeExchange.get("/");
        plugin.handle(exchange, new RecordingCompletion());
        exchange.upstreamAnswers(200);
        exchange.complete();
        RecordingCompletion second = new RecordingCompletion();
        plugin.handle(exchange, second);
        assertTrue(second.failure() instanceof IllegalStateException);
        assertEquals(0, plugin.counters().get("http://127.0.0.1:18080").get());
    }

    @Test
    public void noMatchingPoolIsNoServer503() throws Exception {
        ProxyPlugin plugin = create("""
            {"pools": [{"match": {"headers": [{"name": "X-Canary", "value": "1"}]},
                        "servers": [{"url": "http://127.0.0.1:18081"}]}]}
            """, null);
        FakeExchange exchange = FakeExchange.get("/").header("X-Canary", "0");
        RecordingCompletion done = new RecordingCompletion();
        plugin.handle(exchange, done);
        assertEquals("noServer", done.result());
        assertEquals(503, exchange.response().status());
        assertEquals("no_server", exchange.errorCode());
        assertNull(exchange.forwardedTo());
    }

    @Test
    public void firstMatchingPoolWins() throws Exception {
        ProxyPlugin plugin = create("""
            {"pools": [
               {"match": {"headers": [{"name": "X-Canary", "value": "1"}]}, "servers": [{"url": "http://127.0.0.1:1"}]},
               {"match": {"headers": [{"name": "X-Canary", "regex": "^(yes|true)$"}, {"name": "X-Team", "value": "a"}]},
                "servers": [{"url": "http://127.0.0.1:2"}]},
               {"servers": [{"url": "http://127.0.0.1:3"}]}]}
            """, null);
        assertEquals(1, portFor(plugin, FakeExchange.get("/").header("x-canary", "1")));
        assertEquals(2, portFor(plugin, FakeExchange.get("/").header("X-Canary", "yes").header("X-Team", "a")));
        assertEquals(3, portFor(plugin, FakeExchange.get("/").header("X-Canary", "yes")));
        assertEquals(3, portFor(plugin, FakeExchange.get("/").header("X-Canary", "1 ")));
        assertEquals(1, portFor(plugin, FakeExchange.get("/").header("X-Canary", "0").header("X-Canary", "1")));
        assertEquals(3, portFor(plugin, FakeExchange.get("/")));
    }

    private static int portFor(ProxyPlugin plugin, FakeExchange exchange) {
        plugin.handle(exchange, new RecordingCompletion());
        return exchange.forwardedTo().port();
    }

    @Test
    public void countsActiveExchangesUntilComplete() throws Exception {
        ProxyPlugin plugin = create(pool("leastConnections", "http://127.0.0.1:1", "http://127.0.0.1:2"), null);
        FakeExchange a = FakeExchange.get("/");
        FakeExchange b = FakeExchange.get("/");
        FakeExchange c = FakeExchange.get("/");
        plugin.handle(a, new RecordingCompletion());
        plugin.handle(b, new RecordingCompletion());
        assertEquals(1, plugin.counters().get("http://127.0.0.1:1").get());
        assertEquals(1, plugin.counters().get("http://127.0.0.1:2").get());
        a.upstreamAnswers(200);
        assertEquals("still sending the response body", 1, plugin.counters().get("http://127.0.0.1:1").get());
        a.complete();
        assertEquals(0, plugin.counters().get("http://127.0.0.1:1").get());
        plugin.handle(c, new RecordingCompletion());
        assertEquals("the idle server is picked", 1, c.forwardedTo().port());
        b.upstream().completeExceptionally(new UpstreamException(UpstreamException.Reason.RESET, "reset", null));
        b.abort(new UpstreamException(UpstreamException.Reason.RESET, "reset", null));
        assertEquals(0, plugin.counters().get("http://127.0.0.1:2").get());
    }

    @Test
    public void inheritsCountersOfServersStillPresent() throws Exception {
        ProxyPlugin first = create(pool("leastConnections", "http://127.0.0.1:1", "http://127.0.0.1:2"), null);
        FakeExchange slow1 = FakeExchange.get("/");
        FakeExchange slow2 = FakeExchange.get("/");
        FakeExchange slow3 = FakeExchange.get("/");
        first.handle(slow1, new RecordingCompletion());
        first.handle(slow2, new RecordingCompletion());
        first.handle(slow3, new RecordingCompletion());
        assertEquals(2, first.counters().get("http://127.0.0.1:1").get());
        assertEquals(1, first.counters().get("http://127.0.0.1:2").get());

        // server 2 leaves, server 3 arrives; the url is normalized (same server written differently)
        ProxyPlugin second = create(pool("leastConnections", "http://127.0.0.1:1/", "http://127.0.0.1:3"), first);
        assertEquals(2, second.counters().get("http://127.0.0.1:1").get());
        assertEquals(0, second.counters().get("http://127.0.0.1:3").get());
        assertNull(second.counters().get("http://127.0.0.1:2"));
        for (int i = 0; i < 2; i++) {
            FakeExchange next = FakeExchange.get("/");
            second.handle(next, new RecordingCompletion());
            assertEquals("server 1 still has 2 exchanges in flight", 3, next.forwardedTo().port());
        }
        // exchanges of the old generation that complete now are counted off the shared counter
        assertEquals(1, slow1.forwardedTo().port());
        assertEquals(2, slow2.forwardedTo().port());
        assertEquals(1, slow3.forwardedTo().port());
        slow1.complete();
        assertEquals(1, second.counters().get("http://127.0.0.1:1").get());
        slow3.complete();
        assertEquals(0, second.counters().get("http://127.0.0.1:1").get());
        slow2.complete();
        assertEquals(0, first.counters().get("http://127.0.0.1:2").get());
        assertEquals(2, second.counters().get("http://127.0.0.1:3").get());
    }

    @Test
    public void inheritsRoundRobinPositionOfNamedPool() throws Exception {
        String spec = "{\"pools\": [{\"name\": \"main\", \"servers\": [{\"url\": \"http://127.0.0.1:1\"},"
                + " {\"url\": \"http://127.0.0.1:2\"}, {\"url\": \"http://127.0.0.1:3\"}]}]}";
        ProxyPlugin first = create(spec, null);
        assertEquals(1, portFor(first, FakeExchange.get("/")));
        ProxyPlugin second = create(spec, first);
        assertEquals(2, portFor(second, FakeExchange.get("/")));
        ProxyPlugin unrelated = create(spec, null);
        assertEquals(1, portFor(unrelated, FakeExchange.get("/")));
    }

    @Test
    public void createRefusesAnInvalidSpec() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> harness.createFrom(harness.bind(pool("roundRobin", "ftp://127.0.0.1:1")), null));
        assertTrue(e.getMessage(), e.getMessage().contains("$.pools[0].servers[0].url"));
    }
}
