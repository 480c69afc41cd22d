package io.gatehouse.core.internal.config;

import static io.gatehouse.core.internal.config.Fixture.pipeline;
import static io.gatehouse.core.internal.config.Fixture.server;
import static org.awaitility.Awaitility.await;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.gatehouse.api.config.ObjectStatus;
import io.gatehouse.api.log.LogEntry;
import io.gatehouse.core.internal.testkit.FakeDataPlane;
import io.gatehouse.core.internal.testkit.MemoryLog;
import io.gatehouse.core.internal.testkit.TestKind;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.After;
import org.junit.Test;

public class StatusTest {
    private final List<Fixture> fixtures = new ArrayList<>();

    @After
    public void stopAll() {
        fixtures.forEach(Fixture::close);
    }

    private Fixture start(MemoryLog log, FakeDataPlane dataPlane) throws Exception {
        Fixture f = new Fixture(log, dataPlane);
        fixtures.add(f);
        // kinds these tests use while no bundle provides them (as if their bundles were stopped)
        return f.start().knownKinds("mock", "late", "refusing");
    }

    private static ObjectStatus status(Fixture f, String kind, String name) {
        return f.service.status(kind, name).orElseThrow(() -> new AssertionError(kind + "/" + name + " has no status"));
    }

    @Test
    public void aPipelineIsNotReadyWhileItsKindIsMissingAndReadyOnceItIsBound() throws Exception {
        Fixture f = start(new MemoryLog(), new FakeDataPlane());
        f.apply(pipeline("demo", "late", "{status: 204}") + "---\n" + server("web", 10080, "demo"));

        ObjectStatus missing = status(f, "Pipeline", "demo");
        assertFalse(missing.ready());
        assertEquals("plugin kind 'late' is not installed", missing.reason());
        assertEquals("the server is bound, whatever its pipelines", ObjectStatus.READY, status(f, "HTTPServer", "web"));

        TestKind late = new TestKind("late");
        f.service.addKind(late, 0, 1, "late.bundle", "1.0.0");
        await().atMost(Duration.ofSeconds(5)).until(() -> status(f, "Pipeline", "demo").ready());
        assertEquals(ObjectStatus.READY, status(f, "Pipeline", "demo"));

        f.service.removeKind(late);
        await().atMost(Duration.ofSeconds(5)).until(() -> !status(f, "Pipeline", "demo").ready());
        assertEquals("plugin kind 'late' is not installed", status(f, "Pipeline", "demo").reason());
    }

    @Test
    public void aPipelineWhoseSpecTheKindRejectsOrWhoseInstancesFailIsNotReadyWithTheReason() throws Exception {
        Fixture f = start(new MemoryLog(), new FakeDataPlane());
        f.apply(pipeline("bad-spec", "late", "{status: 42, bogus: true}") + "---\n"
                + pipeline("no-create", "refusing", "{}"));
        f.service.addKind(new TestKind("late"), 0, 1, "b", "1");
        TestKind refusing = new TestKind("refusing");
        refusing.refuseCreate = true;
        f.service.addKind(refusing, 0, 2, "b", "1");
        await().atMost(Duration.ofSeconds(5)).until(() -> status(f, "Pipeline", "bad-spec").reason().contains("spec"));
        String reason = status(f, "Pipeline", "bad-spec").reason();
        assertTrue(reason, reason.contains("$.spec.plugins[0].spec.bogus: unknown field"));
        await().atMost(Duration.ofSeconds(5)).until(() -> status(f, "Pipeline", "no-create").reason()
                .contains("refused by test"));
        assertTrue(status(f, "Pipeline", "no-create").reason().contains("plugin kind 'refusing'"));
    }

    @Test
    public void aServerWhosePortWasTakenAtReplayIsNotReadyUntilWrittenAgain() throws Exception {
        MemoryLog log = new MemoryLog();
        Fixture first = start(log, new FakeDataPlane());
        first.service.addKind(new TestKind("mock"), 0, 1, "b", "1");
        first.apply(pipeline("a", "mock", "{status: 200}") + "---\n" + server("web", 10080, "a"));
        assertEquals(ObjectStatus.READY, status(first, "HTTPServer", "web"));
        first.close();
        fixtures.remove(first);

        FakeDataPlane dp = new FakeDataPlane();
        dp.foreignPorts.add(10080);
        Fixture second = start(log, dp);
        ObjectStatus taken = status(second, "HTTPServer", "web");
        assertFalse(taken.ready());
        assertTrue(taken.reason(), taken.reason().contains("not bound") && taken.reason().contains("127.0.0.1:10080"));

        dp.foreignPorts.clear();
        second.apply(server("web", 10080, "a"));
        assertEquals(ObjectStatus.READY, status(second, "HTTPServer", "web"));
    }

    @Test
    public void aStoredServerThatNoLongerValidatesIsNotReadyUntilWrittenAgain() throws Exception {
        MemoryLog log = new MemoryLog();
        Fixture first = start(log, new FakeDataPlane());
        first.apply(pipeline("a", "mock", "{}") + "---\n" + server("web", 10080, "a"));
        first.close();
        fixtures.remove(first);
        // the stored server loses its required port (as an older, laxer version might have written it)
        LogEntry stored = log.entries().get(1);
        log.replace(LogEntry.of(stored.index(), stored.epoch(), stored.timestamp(), stored.operation(), stored.kind(),
                stored.name(), "{\"kind\":\"HTTPServer\",\"name\":\"web\",\"spec\":{\"rules\":[{\"pipeline\":\"a\"}]}}"
                        .getBytes(StandardCharsets.UTF_8)));
        Fixture second = start(log, new FakeDataPlane());
        second.service.get("HTTPServer", "web").orElseThrow();
        ObjectStatus invalid = status(second, "HTTPServer", "web");
        assertFalse(invalid.ready());
        assertTrue(invalid.reason(), invalid.reason().startsWith("not started: its stored spec is not valid")
                && invalid.reason().contains("$.spec.port"));

        second.apply(server("web", 10081, "a"));
        assertEquals(ObjectStatus.READY, status(second, "HTTPServer", "web"));
    }

    @Test
    public void unknownObjectsHaveNoStatus() throws Exception {
        Fixture f = start(new MemoryLog(), new FakeDataPlane());
        f.apply(pipeline("a", "mock", "{}"));
        assertEquals(Optional.empty(), f.service.status("Pipeline", "b"));
        assertEquals(Optional.empty(), f.service.status("HTTPServer", "a"));
        assertEquals(Optional.empty(), f.service.status("Route", "a"));
        assertEquals(Optional.empty(), f.service.status(null, "a"));
        assertEquals(Optional.empty(), f.service.status("Pipeline", null));
        f.service.delete("Pipeline", "a");
        assertEquals(Optional.empty(), f.service.status("Pipeline", "a"));
    }
}
