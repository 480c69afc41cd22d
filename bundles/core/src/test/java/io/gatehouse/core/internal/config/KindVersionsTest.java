package io.gatehouse.core.internal.config;

import static io.gatehouse.core.internal.config.Fixture.server;
import static org.awaitility.Awaitility.await;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.gatehouse.api.config.ConfigException;
import io.gatehouse.api.config.KindUse;
import io.gatehouse.api.config.PluginKindInfo;
import io.gatehouse.api.config.Violation;
import io.gatehouse.core.internal.engine.Generation;
import io.gatehouse.core.internal.testkit.FakeDataPlane.FakeListener;
import io.gatehouse.core.internal.testkit.FakeExchange;
import io.gatehouse.core.internal.testkit.TestKind;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.After;
import org.junit.Test;

/** Every version of a kind side by side: pinning, ranges, canaries, upgrades and removals. */
public class KindVersionsTest {
    private Fixture f;

    @After
    public void stop() {
        if (f != null) {
            f.close();
        }
    }

    private Fixture start(String grace) throws Exception {
        f = new Fixture().start(Fixture.withKindGrace(grace));
        return f;
    }

    private Generation current(String pipeline) {
        return f.service.pipelines().current(pipeline);
    }

    private static String pipeline(String name, String extra) {
        return """
                kind: Pipeline
                name: %s
                spec:
                  plugins:
                    - name: m
                      kind: mock
                %s      spec: {status: 200}
                """.formatted(name, extra);
    }

    /** A test kind named mock whose instances answer {@code status}. */
    private static TestKind answering(int status) {
        return new TestKind("mock") {
            @Override
            public io.gatehouse.api.plugin.Plugin create(Spec spec, io.gatehouse.api.plugin.PluginContext context) {
                return super.create(new Spec(status, null, null, null), context);
            }
        };
    }

    @Test
    public void anUnpinnedPluginMovesToTheHighestVersionAndAPinnedOneStays() throws Exception {
        start("0s");
        TestKind v1 = answering(201);
        f.service.addKind(v1, 0, 1, "mock.bundle", "1.0.0");
        f.apply(pipeline("latest", "") + "---\n" + pipeline("pinned", "      version: 1.0.0\n")
                + "---\n" + pipeline("ranged", "      version: \"[1.0,2.0)\"\n") + "---\n"
                + server("web", 10080, "latest"));
        FakeListener l = f.dataPlane.on(10080);
        assertEquals(201, l.serve(FakeExchange.get("/")).status());
        Generation pinned = current("pinned");
        Generation ranged = current("ranged");

        TestKind v2 = answering(202);
        f.service.addKind(v2, 0, 2, "mock.bundle", "2.0.0");
        await().atMost(Duration.ofSeconds(5)).until(() -> l.serve(FakeExchange.get("/")).status() == 202);
        assertSame("the pinned pipeline was not rebuilt", pinned, current("pinned"));
        assertSame("1.x range: not rebuilt", ranged, current("ranged"));
        assertEquals("2.0.0", current("latest").version(0));
        assertEquals("the old version of the moved pipeline was closed", 3, v1.created.size());
        await().atMost(Duration.ofSeconds(5)).until(() -> v1.created.stream().filter(i -> i.closed).count() == 1);

        List<PluginKindInfo> infos = f.service.pluginKinds();
        assertEquals(List.of("1.0.0", "2.0.0"), infos.stream().map(PluginKindInfo::version).toList());
        List<KindUse> uses = f.service.pluginKindUses();
        assertEquals(List.of("latest 2.0.0", "pinned 1.0.0", "ranged 1.0.0"),
                uses.stream().map(u -> u.pipeline() + " " + u.version()).toList());

        // removing a version pinned by a pipeline: only that pipeline becomes unavailable
        f.service.removeKind(v1);
        await().atMost(Duration.ofSeconds(5)).until(() -> !current("pinned").available());
        assertEquals("plugin kind 'mock' version 1.0.0 (installed: 2.0.0) is not installed",
                current("pinned").unavailableReason());
        assertEquals("plugin kind 'mock' version [1.0,2.0) (installed: 2.0.0) is not installed",
                current("ranged").unavailableReason());
        assertTrue(current("latest").available());
        assertEquals(202, l.serve(FakeExchange.get("/")).status());
    }

    @Test
    public void removingAnOlderUnpinnedVersionChangesNothing() throws Exception {
        start("0s");
        TestKind v1 = answering(201);
        f.service.addKind(v1, 0, 1, "mock.bundle", "1.0.0");
        TestKind v2 = answering(202);
        f.service.addKind(v2, 0, 2, "mock.bundle", "2.0.0");
        f.apply(pipeline("demo", ""));
        await().atMost(Duration.ofSeconds(5)).until(() -> "2.0.0".equals(current("demo").version(0)));
        Generation g = current("demo");
        f.service.removeKind(v1);
        f.service.addKind(new TestKind("other"), 0, 3, "other.bundle", "1.0.0");
        await().atMost(Duration.ofSeconds(5)).until(() -> f.service.pluginKinds().size() == 2);
        assertSame(g, current("demo"));
    }

    @Test
    public void aKindUpdatedInPlaceKeepsServingDuringTheGraceAndMovesToTheNewVersion() throws Exception {
        start("30s");
        TestKind v1 = answering(201);
        f.service.addKind(v1, 0, 1, "mock.bundle", "1.0.0");
        f.apply(pipeline("demo", "") + "---\n" + server("web", 10080, "demo"));
        FakeListener l = f.dataPlane.on(10080);
        Generation before = current("demo");
        v1.created.get(0).context.state().put("hits", new AtomicLong(7));

        f.service.removeKind(v1); // bundle:update stops the old bundle first
        for (int i = 0; i < 20; i++) {
            assertEquals("still served by the old instance", 201, l.serve(FakeExchange.get("/")).status());
        }
        assertSame(before, current("demo"));
        TestKind v2 = answering(202);
        f.service.addKind(v2, 0, 2, "mock.bundle", "1.0.1");
        await().atMost(Duration.ofSeconds(5)).until(() -> l.serve(FakeExchange.get("/")).status() == 202);
        assertTrue(v1.created.get(0).closed);
        assertEquals("the state carried over to the new version", 7L,
                ((AtomicLong) v2.created.get(0).context.state().get("hits")).get());
    }

    @Test
    public void aPipelineStaysOnItsVersionWhenTheNewHighestRefusesItsSpec() throws Exception {
        start("200ms");
        TestKind v1 = answering(201);
        f.service.addKind(v1, 0, 1, "mock.bundle", "1.0.0");
        f.apply(pipeline("demo", "") + "---\n" + server("web", 10080, "demo"));
        FakeListener l = f.dataPlane.on(10080);
        Generation before = current("demo");
        TestKind v2 = new TestKind("mock") {
            @Override
            public void validate(Spec spec, io.gatehouse.api.config.Violations violations) {
                violations.add("status", "version 2 no longer takes a status");
            }
        };
        f.service.addKind(v2, 0, 2, "mock.bundle", "2.0.0");
        // past the grace: still on 1.0.0, serving
        await().atMost(Duration.ofSeconds(5)).until(() -> f.service.pluginKinds().size() == 2);
        await().during(Duration.ofMillis(600)).atMost(Duration.ofSeconds(5))
                .until(() -> current("demo") == before && l.serve(FakeExchange.get("/")).status() == 201);
        assertTrue(current("demo").available());
        assertEquals("1.0.0", current("demo").version(0));
        assertTrue(v2.created.isEmpty());

        // the version it runs on goes away: now the refusal shows, after the grace
        f.service.removeKind(v1);
        await().atMost(Duration.ofSeconds(5)).until(() -> !current("demo").available());
        assertTrue(current("demo").unavailableReason(),
                current("demo").unavailableReason().contains("version 2 no longer takes a status"));
    }

    @Test
    public void theGraceEndsWithThePipelineUnavailable() throws Exception {
        start("200ms");
        TestKind v1 = answering(201);
        f.service.addKind(v1, 0, 1, "mock.bundle", "1.0.0");
        f.apply(pipeline("demo", ""));
        f.service.removeKind(v1);
        assertTrue("kept during the grace", current("demo").available());
        await().atMost(Duration.ofSeconds(5)).until(() -> !current("demo").available());
        assertTrue(v1.created.get(0).closed);
    }

    /** Every plugin's results are counted (not only a canary's): success, each declared result, the rest. */
    @Test
    public void resultsAreCountedForEveryPlugin() throws Exception {
        start("0s");
        TestKind marking = new TestKind("mark", "hit", "miss") {
            private final AtomicLong calls = new AtomicLong();

            @Override
            public io.gatehouse.api.plugin.Plugin create(Spec spec, io.gatehouse.api.plugin.PluginContext context) {
                io.gatehouse.api.plugin.Plugin inner = super.create(spec, context);
                return (exchange, completion) -> {
                    long n = calls.incrementAndGet();
                    // 1 in 4 a hit, 1 in 4 a result the kind never declared, the rest success
                    String result = n % 4 == 0 ? "hit" : n % 4 == 1 ? "surprise" : "";
                    inner.handle(exchange, new io.gatehouse.api.plugin.Completion() {
                        @Override
                        public void complete(String ignored) {
                            completion.complete(result);
                        }

                        @Override
                        public void fail(Throwable error) {
                            completion.fail(error);
                        }

                        @Override
                        public java.util.concurrent.CompletionStage<io.gatehouse.api.plugin.HttpResponse> proceed() {
                            return completion.proceed();
                        }
                    });
                };
            }
        };
        f.service.addKind(marking, 0, 1, "mark.bundle", "1.0.0");
        f.apply("""
                kind: Pipeline
                name: marked
                spec:
                  plugins:
                    - name: first
                      kind: mark
                      spec: {status: 200}
                ---
                """ + server("web", 10080, "marked"));
        FakeListener l = f.dataPlane.on(10080);
        for (int i = 0; i < 40; i++) {
            assertEquals(200, l.serve(FakeExchange.get("/")).status());
        }
        KindUse first = f.service.pluginKindUses().get(0);
        assertEquals(40, first.requests());
        assertEquals(java.util.Map.of("", 20L, "hit", 10L, "undeclared", 10L), first.results());
    }

    @Test
    public void aWeightedCanarySplitsTheRequestsAndCountsEachVersion() throws Exception {
        start("0s");
        f.service.addKind(answering(201), 0, 1, "mock.bundle", "1.0.0");
        f.service.addKind(answering(202), 0, 2, "mock.bundle", "2.0.0");
        f.apply(pipeline("demo", "      version: 1.0.0\n      canary: {version: 2.0.0, weight: 10}\n") + "---\n"
                + server("web", 10080, "demo"));
        FakeListener l = f.dataPlane.on(10080);
        int canary = 0;
        int n = 10_000;
        for (int i = 0; i < n; i++) {
            if (l.serve(FakeExchange.get("/")).status() == 202) {
                canary++;
            }
        }
        double share = canary * 100.0 / n;
        assertTrue("canary share " + share + "% (10% asked)", share > 8 && share < 12);
        List<KindUse> uses = f.service.pluginKindUses();
        assertEquals(2, uses.size());
        KindUse primary = uses.get(0);
        KindUse second = uses.get(1);
        assertEquals("primary 1.0.0 canary 2.0.0", primary.role() + " " + primary.version() + " " + second.role()
                + " " + second.version());
        assertEquals(n - canary, primary.requests());
        assertEquals(canary, second.requests());
        assertEquals(Long.valueOf(canary), second.results().get(""));
    }

    @Test
    public void aHeaderCanaryTakesTheMarkedRequests() throws Exception {
        start("0s");
        f.service.addKind(answering(201), 0, 1, "mock.bundle", "1.0.0");
        f.service.addKind(answering(202), 0, 2, "mock.bundle", "2.0.0");
        f.apply(pipeline("demo", "      version: 1.0.0\n      canary: {version: \"[2,3)\", header: {name: X-Canary,"
                + " value: \"1\"}}\n") + "---\n" + server("web", 10080, "demo"));
        FakeListener l = f.dataPlane.on(10080);
        assertEquals(201, l.serve(FakeExchange.get("/")).status());
        assertEquals(202, l.serve(FakeExchange.get("/").header("X-Canary", "1")).status());
        assertEquals(201, l.serve(FakeExchange.get("/").header("X-Canary", "2")).status());
    }

    @Test
    public void badVersionsAndCanariesAreRefusedAtTheirPath() throws Exception {
        start("0s");
        f.service.addKind(answering(201), 0, 1, "mock.bundle", "1.0.0");
        try {
            f.apply(pipeline("demo", "      version: \"[1.0\"\n      canary: {weight: 120, header: {name: \"a b\"}}\n"));
            fail("accepted");
        } catch (ConfigException e) {
            assertEquals(List.of("$.spec.plugins[0].version", "$.spec.plugins[0].canary.version",
                    "$.spec.plugins[0].canary", "$.spec.plugins[0].canary.weight",
                    "$.spec.plugins[0].canary.header.name", "$.spec.plugins[0].canary.header.value"),
                    e.violations().stream().map(Violation::path).toList());
        }
        assertFalse(f.service.pluginKindUses().stream().anyMatch(u -> u.pipeline().equals("demo")));
    }

    @Test
    public void aPluginThatThrowsOrBlocksFailsOnlyItsOwnRequestsAndIsCounted() throws Exception {
        start("0s");
        TestKind bad = new TestKind("bad") {
            @Override
            public io.gatehouse.api.plugin.Plugin create(Spec spec, io.gatehouse.api.plugin.PluginContext context) {
                io.gatehouse.api.plugin.Plugin inner = super.create(spec, context);
                return (exchange, completion) -> {
                    if (exchange.request().uri().equals("/block")) {
                        // what a plugin that calls a blocking client on the event loop does
                        long until = System.nanoTime() + 150_000_000L;
                        while (System.nanoTime() < until) {
                            java.util.concurrent.locks.LockSupport.parkNanos(until - System.nanoTime());
                        }
                    }
                    inner.handle(exchange, completion);
                };
            }
        };
        f.service.addKind(bad, 0, 1, "bad.bundle", "1.0.0");
        f.service.addKind(answering(200), 0, 2, "mock.bundle", "1.0.0");
        f.apply("""
                kind: Pipeline
                name: broken
                spec:
                  plugins:
                    - {name: b, kind: bad, spec: {fail: true}}
                ---
                kind: Pipeline
                name: fine
                spec:
                  plugins:
                    - {name: m, kind: mock, spec: {}}
                ---
                """ + server("web", 10080, "broken") + "---\n" + server("other", 10081, "fine"));
        FakeListener broken = f.dataPlane.on(10080);
        FakeListener fine = f.dataPlane.on(10081);
        FakeExchange failed = broken.serve(FakeExchange.get("/"));
        assertEquals(500, failed.status());
        assertEquals("plugin_failed", failed.errorCode());
        assertEquals(500, broken.serve(FakeExchange.get("/block")).status());
        assertEquals(200, fine.serve(FakeExchange.get("/")).status());
        KindUse use = f.service.pluginKindUses().stream().filter(u -> u.pipeline().equals("broken")).findFirst()
                .orElseThrow();
        assertEquals(2, use.requests());
        assertEquals(2, use.failures());
        assertEquals(1, use.blocked());
    }
}
