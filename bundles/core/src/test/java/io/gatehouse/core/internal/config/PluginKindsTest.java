package io.gatehouse.core.internal.config;

import static io.gatehouse.core.internal.config.Fixture.pipeline;
import static io.gatehouse.core.internal.config.Fixture.server;
import static org.awaitility.Awaitility.await;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;

import io.gatehouse.api.config.PluginKindInfo;
import io.gatehouse.api.plugin.Completion;
import io.gatehouse.core.internal.engine.Generation;
import io.gatehouse.core.internal.testkit.FakeDataPlane.FakeListener;
import io.gatehouse.core.internal.testkit.FakeExchange;
import io.gatehouse.core.internal.testkit.TestKind;
import java.time.Duration;
import java.util.List;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

public class PluginKindsTest {
    private Fixture f;

    @Before
    public void start() throws Exception {
        f = new Fixture().start();
    }

    @After
    public void stop() {
        f.close();
    }

    private Generation current(String pipeline) {
        return f.service.pipelines().current(pipeline);
    }

    @Test
    public void pipelineBecomesAvailableWhenItsKindAppearsWithoutReapply() throws Exception {
        f.knownKinds("late");
        f.apply(pipeline("demo", "late", "{status: 204}") + "---\n" + server("web", 10080, "demo"));
        FakeListener l = f.dataPlane.on(10080);
        FakeExchange before = l.serve(FakeExchange.get("/"));
        assertEquals(503, before.status());
        assertEquals("pipeline_unavailable", before.errorCode());
        assertEquals("pipeline 'demo' is unavailable: plugin kind 'late' is not installed", before.errorMessage());
        assertEquals(1, before.ends.get());
        int appends = f.memoryLog().appends;

        TestKind late = new TestKind("late");
        f.service.addKind(late, 0, 7, "late.bundle", "2.0.0");
        await().atMost(Duration.ofSeconds(5)).until(() -> current("demo").available());
        assertEquals(204, l.serve(FakeExchange.get("/")).status());
        assertEquals("nothing was re-applied or logged", appends, f.memoryLog().appends);

        f.service.removeKind(late);
        await().atMost(Duration.ofSeconds(5)).until(() -> !current("demo").available());
        assertTrue(late.created.get(0).closed);
        FakeExchange after = l.serve(FakeExchange.get("/"));
        assertEquals(503, after.status());
        assertEquals("pipeline 'demo' is unavailable: plugin kind 'late' is not installed", after.errorMessage());
    }

    @Test
    public void aKindThatRejectsTheStoredSpecKeepsThePipelineUnavailable() throws Exception {
        f.knownKinds("late");
        f.apply(pipeline("demo", "late", "{status: 42, bogus: true}"));
        f.service.addKind(new TestKind("late"), 0, 1, "b", "1");
        await().atMost(Duration.ofSeconds(5)).until(() -> current("demo").unavailableReason().contains("spec"));
        String reason = current("demo").unavailableReason();
        assertTrue(reason, reason.contains("$.spec.plugins[0].spec.bogus: unknown field"));
        assertFalse(current("demo").available());
    }

    @Test
    public void missingKindsAreNamedTogether() throws Exception {
        f.knownKinds("auth", "proxy");
        f.apply("""
                kind: Pipeline
                name: two
                spec:
                  plugins:
                    - {name: a, kind: auth}
                    - {name: b, kind: proxy}
                """);
        assertEquals("plugin kinds 'auth', 'proxy' are not installed", current("two").unavailableReason());
        f.service.addKind(new TestKind("auth"), 0, 1, "b", "1");
        await().atMost(Duration.ofSeconds(5)).until(() -> current("two").unavailableReason().equals(
                "plugin kind 'proxy' is not installed"));
    }

    @Test
    public void higherRankedKindTakesOverAndLowerRankedIsIgnored() throws Exception {
        TestKind first = new TestKind("mock");
        f.service.addKind(first, 0, 1, "b1", "1");
        f.apply(pipeline("demo", "mock", "{}"));
        Generation g1 = current("demo");
        TestKind lower = new TestKind("mock");
        f.service.addKind(lower, -5, 2, "b2", "1");
        TestKind higher = new TestKind("mock");
        f.service.addKind(higher, 10, 3, "b3", "1");
        await().atMost(Duration.ofSeconds(5)).until(() -> current("demo").number() > g1.number());
        assertTrue(lower.created.isEmpty());
        assertEquals(1, higher.created.size());
        assertNull("another kind object does not inherit", higher.created.get(0).previous);
        assertTrue(first.created.get(0).closed);
        List<PluginKindInfo> infos = f.service.pluginKinds();
        assertEquals(1, infos.size());
        assertEquals("b3", infos.get(0).bundle());
        assertEquals("object", infos.get(0).schema().get("type").textValue());
    }

    @Test
    public void updatesInheritAndInFlightExchangesFinishOnTheirGeneration() throws Exception {
        TestKind mock = new TestKind("mock");
        f.service.addKind(mock, 0, 1, "b", "1");
        f.apply("""
                kind: Pipeline
                name: demo
                spec:
                  plugins:
                    - {name: wait, kind: mock, spec: {async: true}}
                    - {name: answer, kind: mock, spec: {status: 200}}
                """ + "---\n" + server("web", 10080, "demo"));
        FakeListener l = f.dataPlane.on(10080);
        long g1 = current("demo").number();
        FakeExchange inFlight = l.serve(FakeExchange.get("/"));
        Completion parked = mock.parked.poll();
        assertEquals(0, inFlight.ends.get());

        f.apply("""
                kind: Pipeline
                name: demo
                spec:
                  plugins:
                    - {name: wait, kind: mock, spec: {async: true}}
                    - {name: answer, kind: mock, spec: {status: 201}}
                """);
        long g2 = current("demo").number();
        assertTrue(g2 > g1);
        TestKind.Instance oldWait = mock.created.get(0);
        TestKind.Instance newWait = mock.created.get(2);
        assertSame("same plugin, same kind: inherits", oldWait, newWait.previous);
        assertTrue("retired instances are closed after the swap", oldWait.closed);

        FakeExchange fresh = l.serve(FakeExchange.get("/"));
        mock.parked.poll().complete("");
        assertEquals(201, fresh.status());
        assertEquals(List.of("wait@" + g2, "answer@" + g2), TestKind.trace(fresh));

        parked.complete("");
        assertEquals(200, inFlight.status());
        assertEquals(List.of("wait@" + g1, "answer@" + g1), TestKind.trace(inFlight));
        assertEquals(1, inFlight.ends.get());
    }

    @Test
    public void aKindThatCannotCreateLeavesThePipelineUnavailableWithTheReason() throws Exception {
        TestKind refusing = new TestKind("r");
        refusing.refuseCreate = true;
        f.service.addKind(refusing, 0, 1, "b", "1");
        // planning validates specs only; an instance that cannot be created is the apply's to report
        f.apply(pipeline("demo", "r", "{}"));
        assertTrue(current("demo").unavailableReason().contains("refused by test"));
        assertFalse(f.service.status("Pipeline", "demo").orElseThrow().ready());
        f.service.delete("Pipeline", "demo");

        f.knownKinds("late");
        f.apply(pipeline("demo", "late", "{}"));
        TestKind late = new TestKind("late");
        late.refuseCreate = true;
        f.service.addKind(late, 0, 2, "b", "1");
        await().atMost(Duration.ofSeconds(5)).until(() -> current("demo").unavailableReason().contains("refused by test"));
    }
}
