package io.gatehouse.core.internal.routing;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;

import io.gatehouse.core.internal.testkit.FakeExchange;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.Test;

public class RouteTableTest {
    private static final HeaderMatch[] NONE = new HeaderMatch[0];

    private static Route route(String host, String path, String prefix, String regex, String[] methods,
                               HeaderMatch[] headers, String pipeline) {
        return new Route(host == null ? null : new HostMatch(host), path, prefix,
                regex == null ? null : Pattern.compile(regex), methods, headers, pipeline);
    }

    private static String pipelineFor(RouteTable t, FakeExchange ex) {
        Route r = t.match(ex.request());
        return r == null ? null : r.pipeline();
    }

    @Test
    public void firstMatchWinsAcrossExactAndOtherRules() {
        RouteTable t = new RouteTable(List.of(
                route(null, null, "/api/", null, null, NONE, "prefix-first"),
                route(null, "/api/x", null, null, null, NONE, "exact-second"),
                route(null, "/health", null, null, null, NONE, "health"),
                route(null, null, null, "^/v[0-9]+/", null, NONE, "versioned"),
                route(null, null, null, null, null, NONE, "fallback")));
        assertEquals("prefix-first", pipelineFor(t, FakeExchange.get("/api/x")));
        assertEquals("health", pipelineFor(t, FakeExchange.get("/health?full=1")));
        assertEquals("versioned", pipelineFor(t, FakeExchange.get("/v2/items")));
        assertEquals("fallback", pipelineFor(t, FakeExchange.get("/v/items")));
    }

    /** Each rule has its own counters, by status class (the route metric); a request no rule matches has none. */
    @Test
    public void eachRuleCountsWhatItMatchedAndSaysWhatItMatches() {
        RouteTable t = new RouteTable(List.of(
                route("*.example.com", null, "/api/", null, new String[] {"GET", "HEAD"},
                        new HeaderMatch[] {new HeaderMatch("X-Canary", "1", null)}, "canary"),
                route(null, "/health", null, null, null, NONE, "health")));
        FakeExchange canary = new FakeExchange("GET", "a.example.com", "/api/x", Runnable::run).header("X-Canary", "1");
        assertEquals("canary", pipelineFor(t, canary));
        assertEquals("health", pipelineFor(t, FakeExchange.get("/health")));
        assertEquals("health", pipelineFor(t, FakeExchange.get("/health")));
        assertNull(pipelineFor(t, FakeExchange.get("/other")));
        assertEquals(-1, t.find(FakeExchange.get("/other").request()));
        assertEquals(1, t.find(FakeExchange.get("/health").request()));
        t.hits(1).ended(200);
        t.hits(1).ended(204);
        t.hits(1).ended(503);
        t.hits(0).ended(404);
        t.hits(0).ended(999);
        assertEquals(2, t.hits(1).status(2));
        assertEquals(1, t.hits(1).status(5));
        assertEquals(0, t.hits(1).status(4));
        assertEquals(1, t.hits(0).status(4));
        assertEquals("a status outside 100..599 counts as 5xx", 1, t.hits(0).status(5));
        assertEquals("host=*.example.com pathPrefix=/api/ methods=GET,HEAD header=X-Canary:1", t.route(0).describe());
        assertEquals("path=/health", t.route(1).describe());
        assertEquals("every request", route(null, null, null, null, null, NONE, "x").describe());
    }

    @Test
    public void exactRuleBeforeCatchAllWins() {
        RouteTable t = new RouteTable(List.of(
                route(null, "/a", null, null, null, NONE, "a"),
                route(null, null, null, null, null, NONE, "rest")));
        assertEquals("a", pipelineFor(t, FakeExchange.get("/a")));
        assertEquals("rest", pipelineFor(t, FakeExchange.get("/b")));
    }

    @Test
    public void hostsMatchExactlyOrBySubdomain() {
        RouteTable t = new RouteTable(List.of(
                route("api.example.com", null, null, null, null, NONE, "api"),
                route("*.example.com", null, null, null, null, NONE, "sub")));
        assertEquals("api", pipelineFor(t, new FakeExchange("GET", "API.Example.com", "/", Runnable::run)));
        assertEquals("sub", pipelineFor(t, new FakeExchange("GET", "a.b.example.com", "/", Runnable::run)));
        assertNull(pipelineFor(t, new FakeExchange("GET", "example.com", "/", Runnable::run)));
        assertNull(pipelineFor(t, new FakeExchange("GET", "badexample.com", "/", Runnable::run)));
        assertNull(pipelineFor(t, new FakeExchange("GET", null, "/", Runnable::run)));
    }

    @Test
    public void methodsAndHeadersMustAllMatch() {
        RouteTable t = new RouteTable(List.of(
                route(null, null, "/", null, new String[] {"GET", "HEAD"}, new HeaderMatch[] {
                    new HeaderMatch("X-Canary", "1", null),
                    new HeaderMatch("X-User", null, Pattern.compile("^(alice|bob)$"))}, "canary"),
                route(null, null, "/", null, new String[] {"GET"}, NONE, "stable")));
        FakeExchange canary = FakeExchange.get("/x").header("x-canary", "1").header("X-User", "bob");
        assertEquals("canary", pipelineFor(t, canary));
        assertEquals("stable", pipelineFor(t, FakeExchange.get("/x").header("X-Canary", "1").header("X-User", "eve")));
        assertNull(pipelineFor(t, new FakeExchange("POST", "h", "/x", Runnable::run)));
        FakeExchange head = new FakeExchange("HEAD", "h", "/x", Runnable::run).header("X-Canary", "0")
                .header("X-Canary", "1").header("X-User", "alice");
        assertEquals("canary", pipelineFor(t, head));
    }
}
