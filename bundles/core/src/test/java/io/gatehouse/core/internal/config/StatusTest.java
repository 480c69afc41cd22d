package io.gatehouse.core.internal.config;

import static io.gatehouse.core.internal.config.Fixture.pipeline;
import static io.gatehouse.core.internal.config.Fixture.server;
import static org.awaitility.Awaitility.await;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.gatehouse.api.config.ObjectStatus;
import io.gatehouse.api.config.WriteMode;
import io.gatehouse.api.config.WriteResult;
import io.gatehouse.api.log.Change;
import io.gatehouse.api.log.LogEntry;
import io.gatehouse.api.log.Operation;
import io.gatehouse.core.internal.testkit.FakeDataPlane;
import io.gatehouse.core.internal.testkit.FakeDataPlane.FakeListener;
import io.gatehouse.core.internal.testkit.FakeExchange;
import io.gatehouse.core.internal.testkit.MemoryLog;
import io.gatehouse.core.internal.testkit.TestKind;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.After;
import org.junit.Test;

public class StatusTest {
    private static final Pattern RETRYING =
            Pattern.compile("port 127\\.0\\.0\\.1:\\d+ in use, retrying (?:in (\\d+m?s)|now) \\(attempt (\\d+)\\)");

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
    public void aServerWhosePortWasTakenAtReplayRetriesAndServesOnceItIsFree() throws Exception {
        MemoryLog log = new MemoryLog();
        Fixture first = start(log, new FakeDataPlane());
        first.service.addKind(new TestKind("mock"), 0, 1, "b", "1");
        first.apply(pipeline("a", "mock", "{status: 200}") + "---\n" + server("web", 10080, "a"));
        assertEquals(ObjectStatus.READY, status(first, "HTTPServer", "web"));
        first.close();
        fixtures.remove(first);

        FakeDataPlane dp = new FakeDataPlane();
        dp.foreignPorts.add(10080);
        Fixture second = retrying(log, dp, "100ms", "400ms");
        second.service.addKind(new TestKind("mock"), 0, 1, "b", "1");
        ObjectStatus taken = status(second, "HTTPServer", "web");
        assertFalse(taken.ready());
        assertTrue(taken.reason(), RETRYING.matcher(taken.reason()).matches());
        assertTrue(taken.reason(), taken.reason().startsWith("port 127.0.0.1:10080 in use, retrying in "));
        assertTrue(taken.reason(), taken.reason().endsWith("(attempt 1)"));
        long entries = log.entries().size();

        await().atMost(Duration.ofSeconds(10)).until(() -> status(second, "HTTPServer", "web").reason(),
                r -> r != null && r.endsWith("(attempt 3)"));
        assertTrue("three refused binds at least", refusals(dp) >= 3);
        assertEquals("retries are not writes", entries, log.entries().size());

        dp.foreignPorts.clear();
        await().atMost(Duration.ofSeconds(5)).until(() -> status(second, "HTTPServer", "web").ready());
        FakeListener bound = dp.on(10080);
        assertEquals(200, bound.serve(FakeExchange.get("/")).status());
        assertEquals("nothing is pending once bound", 0, second.service.pendingTimers());
        assertEquals(entries, log.entries().size());
    }

    /**
     * A server switched to HTTPS with files this node cannot load: the port is not left serving plain text, the
     * server is reported not serving with the reason, and it serves HTTPS once the files can be read.
     */
    @Test
    public void aServerWhoseCertificatesCannotBeLoadedIsNotServedTheOldWayAndRetries() throws Exception {
        FakeDataPlane dp = new FakeDataPlane();
        Fixture f = retrying(new MemoryLog(), dp, "100ms", "400ms");
        f.service.addKind(new TestKind("mock"), 0, 1, "b", "1");
        f.apply(pipeline("a", "mock", "{status: 200}") + "---\n" + server("web", 10080, "a"));
        FakeListener plain = dp.on(10080);
        java.nio.file.Path certificate = java.nio.file.Path.of("/nonexistent/web.crt");
        dp.unreadable.add(certificate);
        f.apply("""
                kind: HTTPServer
                name: web
                spec:
                  address: 127.0.0.1
                  port: 10080
                  tls:
                    certificates: [{certificate: /nonexistent/web.crt, key: /nonexistent/web.key}]
                  rules: [{pipeline: a}]
                """);
        assertTrue("the plain listener is closed", plain.closed);
        ObjectStatus refused = status(f, "HTTPServer", "web");
        assertFalse(refused.ready());
        assertTrue(refused.reason(), refused.reason().startsWith("TLS: /nonexistent/web.crt: cannot read the certificate"
                + " file (port 127.0.0.1:10080 not bound), retrying in "));

        dp.unreadable.clear();
        await().atMost(Duration.ofSeconds(10)).until(() -> status(f, "HTTPServer", "web").ready());
        assertEquals(certificate, dp.on(10080).settings().tls().certificates().get(0).certificate());
    }

    @Test
    public void retriesGoOnAtTheBoundedDelay() throws Exception {
        MemoryLog log = new MemoryLog();
        Fixture first = start(log, new FakeDataPlane());
        first.apply(pipeline("a", "mock", "{}") + "---\n" + server("web", 10080, "a"));
        first.close();
        fixtures.remove(first);
        FakeDataPlane dp = new FakeDataPlane();
        dp.foreignPorts.add(10080);
        Fixture f = retrying(log, dp, "50ms", "200ms");
        // attempt n failed -> the next comes after 50ms * 2^(n-1), at most 200ms
        await().atMost(Duration.ofSeconds(10)).until(() -> refusals(dp) >= 5);
        String reason = status(f, "HTTPServer", "web").reason();
        Matcher m = RETRYING.matcher(reason);
        assertTrue(reason, m.matches());
        assertTrue(reason, Integer.parseInt(m.group(2)) >= 5);
        assertTrue("the delay is bounded: " + reason, m.group(1) == null || millis(m.group(1)) <= 200);
    }

    @Test
    public void theLogSaysWhenTheStateChangesNotAtEveryAttempt() throws Exception {
        MemoryLog log = new MemoryLog();
        Fixture first = start(log, new FakeDataPlane());
        first.apply(pipeline("a", "mock", "{}") + "---\n" + server("web", 10080, "a"));
        first.close();
        fixtures.remove(first);
        FakeDataPlane dp = new FakeDataPlane();
        dp.foreignPorts.add(10080);
        PrintStream stderr = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        // slf4j-simple writes to whatever System.err is at the time
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            retrying(log, dp, "20ms", "40ms");
            await().atMost(Duration.ofSeconds(10)).until(() -> refusals(dp) >= 6);
            dp.foreignPorts.clear();
            await().atMost(Duration.ofSeconds(5)).until(() -> dp.on(10080) != null);
        } finally {
            System.setErr(stderr);
        }
        String out = captured.toString(StandardCharsets.UTF_8);
        assertEquals(out, 1, occurrences(out, "HTTPServer 'web' is not serving: port 127.0.0.1:10080 in use"));
        assertEquals(out, 1, occurrences(out, "HTTPServer 'web' is bound to 127.0.0.1:10080 and serving"));
    }

    private static int occurrences(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }

    @Test
    public void writingOrDeletingTheServerCallsOffItsRetries() throws Exception {
        MemoryLog log = new MemoryLog();
        Fixture first = start(log, new FakeDataPlane());
        first.apply(pipeline("a", "mock", "{}") + "---\n" + server("web", 10080, "a") + "---\n"
                + server("api", 10090, "a"));
        first.close();
        fixtures.remove(first);
        FakeDataPlane dp = new FakeDataPlane();
        dp.foreignPorts.add(10080);
        dp.foreignPorts.add(10090);
        Fixture f = retrying(log, dp, "1h", "1h");
        assertEquals(2, f.service.pendingTimers());

        f.apply(server("web", 10081, "a"));
        assertEquals(ObjectStatus.READY, status(f, "HTTPServer", "web"));
        assertEquals("the replaced server's retry is cancelled", 1, f.service.pendingTimers());
        f.service.delete("HTTPServer", "api");
        assertEquals("no retry is left behind", 0, f.service.pendingTimers());
        assertEquals(List.of(dp.on(10081)), dp.open());
    }

    @Test
    public void writingTheSameServerAgainRetriesAtOnce() throws Exception {
        MemoryLog log = new MemoryLog();
        Fixture first = start(log, new FakeDataPlane());
        first.apply(pipeline("a", "mock", "{}") + "---\n" + server("web", 10080, "a"));
        first.close();
        fixtures.remove(first);
        FakeDataPlane dp = new FakeDataPlane();
        dp.foreignPorts.add(10080);
        Fixture f = retrying(log, dp, "1h", "1h");
        long index = f.service.appliedIndex();
        assertFalse(status(f, "HTTPServer", "web").ready());

        dp.foreignPorts.clear();
        List<WriteResult> again = f.service.write(WriteMode.APPLY, f.parse(server("web", 10080, "a")));
        assertEquals(WriteResult.Change.UNCHANGED, again.get(0).change());
        assertEquals(ObjectStatus.READY, status(f, "HTTPServer", "web"));
        assertEquals("nothing was logged", index, f.service.appliedIndex());
        assertEquals(0, f.service.pendingTimers());
    }

    @Test
    public void stoppingTheCoreStopsItsTimer() throws Exception {
        MemoryLog log = new MemoryLog();
        Fixture first = start(log, new FakeDataPlane());
        first.apply(pipeline("a", "mock", "{}") + "---\n" + server("web", 10080, "a"));
        first.close();
        fixtures.remove(first);
        FakeDataPlane dp = new FakeDataPlane();
        dp.foreignPorts.add(10080);
        Fixture f = retrying(log, dp, "50ms", "50ms");
        assertTrue(timerThreads() > 0);
        f.close();
        fixtures.remove(f);
        assertEquals(0, f.service.pendingTimers());
        int refused = refusals(dp);
        dp.foreignPorts.clear();
        await().atMost(Duration.ofSeconds(5)).until(() -> timerThreads() == 0);
        await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(1)).until(() -> refusals(dp) == refused);
        assertTrue("nothing was bound after the core stopped", dp.open().isEmpty());
    }

    private Fixture retrying(MemoryLog log, FakeDataPlane dp, String initial, String max) throws Exception {
        Fixture f = new Fixture(log, dp);
        fixtures.add(f);
        f.service.bindRetryJitter = () -> 1.0;
        f.service.start(Fixture.config("/nonexistent/gatehouse-default.yaml", 100, initial, max));
        return f.knownKinds("mock");
    }

    private static long millis(String d) {
        return d.endsWith("ms") ? Long.parseLong(d.substring(0, d.length() - 2))
                : Long.parseLong(d.substring(0, d.length() - 1)) * 1000;
    }

    private static int refusals(FakeDataPlane dp) {
        return (int) dp.events.stream().filter(e -> e.startsWith("refused ")).count();
    }

    private static long timerThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().equals("gatehouse-config-timer")).count();
    }

    @Test
    public void aStoredServerThatNoLongerValidatesIsNotReadyUntilWrittenAgain() throws Exception {
        MemoryLog log = new MemoryLog();
        Fixture first = start(log, new FakeDataPlane());
        first.apply(pipeline("a", "mock", "{}") + "---\n" + server("web", 10080, "a"));
        first.close();
        fixtures.remove(first);
        // the stored server loses its required port (as an older, laxer version might have written it)
        LogEntry stored = log.entries().get(0);
        Change server = new Change(Operation.PUT, "HTTPServer", "web",
                "{\"kind\":\"HTTPServer\",\"name\":\"web\",\"spec\":{\"rules\":[{\"pipeline\":\"a\"}]}}"
                        .getBytes(StandardCharsets.UTF_8));
        log.replace(LogEntry.of(stored.index(), stored.epoch(), stored.timestamp(), stored.requestId(),
                List.of(stored.changes().get(0), server)));
        Fixture second = start(log, new FakeDataPlane());
        second.service.get("HTTPServer", "web").orElseThrow();
        ObjectStatus invalid = status(second, "HTTPServer", "web");
        assertFalse(invalid.ready());
        assertTrue(invalid.reason(), invalid.reason().startsWith("not started: its stored spec is not valid")
                && invalid.reason().contains("$.spec.port"));

        // written again unchanged, the stored spec is validated again: the writer learns why it is not running
        Fixture.assertViolation(second.refused(400, "kind: HTTPServer\nname: web\nspec:\n  rules:\n"
                + "    - pipeline: a\n"), "$.spec.port", "");
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
