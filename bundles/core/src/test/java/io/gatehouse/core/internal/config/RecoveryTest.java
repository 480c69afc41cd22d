package io.gatehouse.core.internal.config;

import static io.gatehouse.core.internal.config.Fixture.pipeline;
import static io.gatehouse.core.internal.config.Fixture.server;
import static org.awaitility.Awaitility.await;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.gatehouse.api.config.ConfigException;
import io.gatehouse.api.config.ConfigObject;
import io.gatehouse.api.log.Change;
import io.gatehouse.api.log.Operation;
import io.gatehouse.api.log.LogEntry;
import io.gatehouse.core.internal.testkit.FakeDataPlane;
import io.gatehouse.core.internal.testkit.FakeExchange;
import io.gatehouse.core.internal.testkit.MemoryLog;
import io.gatehouse.core.internal.testkit.TestKind;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.After;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

public class RecoveryTest {
    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    private final List<Fixture> fixtures = new ArrayList<>();
    private final TestKind mock = new TestKind("mock");

    @After
    public void stopAll() {
        fixtures.forEach(Fixture::close);
    }

    private Fixture start(MemoryLog log, FakeDataPlane dataPlane, String defaults, int snapshotEvery) throws Exception {
        Fixture f = new Fixture(log, dataPlane);
        f.service.addKind(mock, 0, 1, "test", "1");
        fixtures.add(f);
        return f.start(defaults, snapshotEvery);
    }

    private Fixture start(MemoryLog log) throws Exception {
        return start(log, new FakeDataPlane(), "/nonexistent.yaml", 100);
    }

    private static void stop(Fixture f) {
        f.close();
    }

    private static void write(Fixture f) throws Exception {
        f.apply(pipeline("a", "mock", "{status: 200}"));
        f.apply(pipeline("b", "mock", "{status: 201}"));
        f.apply(server("web", 10080, "a"));
        f.apply(server("web", 10080, "b"));
    }

    @Test
    public void replaysTheLogWithoutAppending() throws Exception {
        MemoryLog log = new MemoryLog();
        Fixture first = start(log);
        write(first);
        List<ConfigObject> state = first.service.list(null);
        stop(first);

        FakeDataPlane dp = new FakeDataPlane();
        Fixture second = start(log, dp, "/nonexistent.yaml", 100);
        assertEquals(state, second.service.list(null));
        assertEquals(4, second.service.appliedIndex());
        assertEquals(4, log.entries().size());
        assertEquals(201, dp.on(10080).serve(FakeExchange.get("/")).status());
        assertEquals(5, second.apply(pipeline("c", "mock", "{}")).get(0).revision());
    }

    @Test
    public void snapshotsCompactTheLogAndReplayStartsFromThem() throws Exception {
        MemoryLog log = new MemoryLog();
        Fixture first = start(log, new FakeDataPlane(), "/nonexistent.yaml", 3);
        write(first);
        List<ConfigObject> state = first.service.list(null);
        assertEquals(3, log.latestSnapshot().orElseThrow().index());
        assertEquals(List.of(4L), log.entries().stream().map(LogEntry::index).toList());
        stop(first);

        FakeDataPlane dp = new FakeDataPlane();
        Fixture second = start(log, dp, "/nonexistent.yaml", 3);
        assertEquals(state, second.service.list(null));
        assertEquals(4, second.service.appliedIndex());
        assertEquals(201, dp.on(10080).serve(FakeExchange.get("/")).status());
    }

    @Test
    public void aCorruptCommittedEntryStopsReplayBeforeItAndWritesAreRefused() throws Exception {
        MemoryLog log = new MemoryLog();
        Fixture first = start(log);
        write(first);
        stop(first);
        LogEntry third = log.entries().get(2);
        Change forged = new Change(Operation.PUT, "HTTPServer", "web",
                "{\"kind\":\"HTTPServer\",\"name\":\"web\",\"spec\":{}}".getBytes(StandardCharsets.UTF_8));
        log.replace(new LogEntry(third.index(), third.epoch(), third.timestamp(), third.requestId(), List.of(forged),
                third.checksum()));

        FakeDataPlane dp = new FakeDataPlane();
        Fixture second = start(log, dp, "/nonexistent.yaml", 100);
        assertEquals(2, second.service.appliedIndex());
        assertEquals(List.of("Pipeline/a", "Pipeline/b"), second.service.list(null).stream().map(ConfigObject::key).toList());
        assertTrue("committed entries are never set aside", log.rejected.isEmpty());
        assertTrue(dp.open().isEmpty());
        ConfigException refused = second.refused(503, server("web", 10080, "a"));
        assertTrue(refused.getMessage(), refused.getMessage().contains("damaged at committed entry 3"));
        assertEquals(4, log.lastIndex());
    }

    @Test
    public void bootReplayStopsAtThePersistedCommitIndex() throws Exception {
        MemoryLog log = new MemoryLog();
        Fixture first = start(log);
        write(first);
        stop(first);
        // appended but never committed (a crash between append and commit): never acknowledged to anyone
        log.append(log.lastEpoch(), "lost", List.of(new Change(Operation.DELETE, "HTTPServer", "web", null)));
        assertEquals(5, log.lastIndex());
        assertEquals(4, log.commitIndex());

        FakeDataPlane dp = new FakeDataPlane();
        Fixture second = start(log, dp, "/nonexistent.yaml", 100);
        assertEquals(4, second.service.appliedIndex());
        assertTrue(second.service.get("HTTPServer", "web").isPresent());
        assertEquals(201, dp.on(10080).serve(FakeExchange.get("/")).status());
        assertEquals("the standalone node set the uncommitted entry aside", List.of(5L),
                log.rejected.stream().map(LogEntry::index).toList());
        assertEquals(5, second.apply(pipeline("c", "mock", "{}")).get(0).revision());
        assertTrue(second.service.get("HTTPServer", "web").isPresent());
        assertTrue("a new epoch per activation", log.entries().get(log.entries().size() - 1).epoch() > 1);
    }

    @Test
    public void entriesCommittedWithoutANotificationAreAppliedAnyway() throws Exception {
        MemoryLog log = new MemoryLog();
        Fixture first = start(log);
        write(first);
        stop(first);
        // a follower whose log listener is not registered (or whose notification was dropped): the log grows
        // and commits behind its back, as replication does
        Fixture second = new Fixture(log, new FakeDataPlane());
        second.service.addKind(mock, 0, 1, "test", "1");
        fixtures.add(second);
        log.removeListener(second.service);
        second.start(Fixture.config("/nonexistent.yaml", 100, "1s", "30s", false, "10s"));
        assertEquals(4, second.service.appliedIndex());
        long epoch = log.lastEpoch() + 1;
        log.observeEpoch(epoch);
        log.append(epoch, "from-the-leader", List.of(new Change(Operation.DELETE, "HTTPServer", "web", null)));
        log.commitTo(5);
        await().atMost(Duration.ofSeconds(10)).until(() -> second.service.appliedIndex() == 5);
        assertTrue(second.service.get("HTTPServer", "web").isEmpty());
    }

    @Test
    public void aServerWhosePortIsTakenAtStartIsKeptAndReported() throws Exception {
        MemoryLog log = new MemoryLog();
        Fixture first = start(log);
        write(first);
        stop(first);

        FakeDataPlane dp = new FakeDataPlane();
        dp.foreignPorts.add(10080);
        Fixture second = start(log, dp, "/nonexistent.yaml", 100);
        assertTrue(second.service.get("HTTPServer", "web").isPresent());
        assertTrue(second.service.serverProblems().get("web").contains("127.0.0.1:10080"));
        dp.foreignPorts.clear();
        second.apply(server("web", 10080, "b"));
        assertTrue(second.service.serverProblems().isEmpty());
        assertEquals(201, dp.on(10080).serve(FakeExchange.get("/")).status());
    }

    @Test
    public void defaultsAreAppliedThroughTheLogOnlyWhenItIsEmpty() throws Exception {
        File defaults = tmp.newFile("gatehouse-default.yaml");
        Files.writeString(defaults.toPath(), pipeline("welcome", "mock", "{status: 200}") + "---\n"
                + server("default", 10080, "welcome"));
        MemoryLog log = new MemoryLog();
        FakeDataPlane dp = new FakeDataPlane();
        Fixture first = start(log, dp, defaults.getPath(), 100);
        assertEquals("one entry for the whole default", 1, log.entries().size());
        assertEquals(2, log.entries().get(0).changes().size());
        assertEquals(200, dp.on(10080).serve(FakeExchange.get("/")).status());
        first.service.delete("HTTPServer", "default");
        stop(first);

        Fixture second = start(log, new FakeDataPlane(), defaults.getPath(), 100);
        assertEquals(2, log.entries().size());
        assertEquals(List.of("Pipeline/welcome"), second.service.list(null).stream().map(ConfigObject::key).toList());
    }

    @Test
    public void defaultsMayUsePluginKindsThatRegisterAfterTheCoreStarted() throws Exception {
        File defaults = tmp.newFile("late-default.yaml");
        Files.writeString(defaults.toPath(), pipeline("welcome", "late", "{status: 202}") + "---\n"
                + server("default", 10080, "welcome"));
        MemoryLog log = new MemoryLog();
        FakeDataPlane dp = new FakeDataPlane();
        Fixture f = start(log, dp, defaults.getPath(), 100);
        assertEquals("the default was applied although 'late' is not registered yet", 1, log.entries().size());
        assertEquals(503, dp.on(10080).serve(FakeExchange.get("/")).status());
        f.service.addKind(new TestKind("late"), 0, 2, "late.bundle", "1");
        await().atMost(Duration.ofSeconds(5)).until(() -> dp.on(10080).serve(FakeExchange.get("/")).status() == 202);
    }

    @Test
    public void aDefaultWhosePortIsTakenIsStoredAndItsServerRetries() throws Exception {
        File defaults = tmp.newFile("busy-default.yaml");
        Files.writeString(defaults.toPath(), pipeline("welcome", "mock", "{status: 200}") + "---\n"
                + server("default", 10080, "welcome"));
        MemoryLog log = new MemoryLog();
        FakeDataPlane dp = new FakeDataPlane();
        dp.foreignPorts.add(10080);
        Fixture f = new Fixture(log, dp);
        fixtures.add(f);
        f.service.addKind(mock, 0, 1, "test", "1");
        f.service.start(Fixture.config(defaults.getPath(), 100, "50ms", "100ms"));

        assertEquals("the default is stored although its port is taken", 1, log.entries().size());
        String problem = f.service.status("HTTPServer", "default").orElseThrow().reason();
        assertTrue(problem, problem.startsWith("port 127.0.0.1:10080 in use, retrying"));
        dp.foreignPorts.clear();
        await().atMost(Duration.ofSeconds(5)).until(() -> dp.on(10080) != null);
        assertEquals(200, dp.on(10080).serve(FakeExchange.get("/")).status());
        assertEquals(1, log.entries().size());
    }

    @Test
    public void placeholdersInTheDefaultsPathAreResolved() {
        System.setProperty("gatehouse.test.etc", "/x/etc");
        try {
            assertEquals("/x/etc/d.yaml", CoreConfigService.resolve("${gatehouse.test.etc}/d.yaml").toString());
        } finally {
            System.clearProperty("gatehouse.test.etc");
        }
    }
}
