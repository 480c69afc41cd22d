package io.gatehouse.core.internal.config;

import static io.gatehouse.core.internal.config.Fixture.assertViolation;
import static io.gatehouse.core.internal.config.Fixture.pipeline;
import static io.gatehouse.core.internal.config.Fixture.server;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.gatehouse.api.config.ConfigException;
import io.gatehouse.api.config.ConfigFormat;
import io.gatehouse.api.config.ConfigObject;
import io.gatehouse.api.config.WriteMode;
import io.gatehouse.api.config.WriteResult;
import io.gatehouse.api.log.LogEntry;
import io.gatehouse.api.log.Change;
import io.gatehouse.core.internal.engine.Generation;
import io.gatehouse.core.internal.testkit.FakeDataPlane;
import io.gatehouse.core.internal.testkit.FakeDataPlane.FakeListener;
import io.gatehouse.core.internal.testkit.FakeExchange;
import io.gatehouse.core.internal.testkit.MemoryLog;
import io.gatehouse.core.internal.testkit.TestKind;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

public class WritePathTest {
    private final List<String> order = new ArrayList<>();
    private final FakeDataPlane dataPlane = new FakeDataPlane();
    private final MemoryLog log = new MemoryLog() {
        @Override
        public synchronized LogEntry append(long epoch, String requestId, List<Change> changes) throws IOException {
            order.add("append " + changes.size() + " after " + dataPlane.events);
            return super.append(epoch, requestId, changes);
        }
    };
    private final TestKind mock = new TestKind("mock");
    private Fixture f;

    @Before
    public void start() throws Exception {
        f = new Fixture(log, dataPlane);
        f.service.addKind(mock, 0, 1, "test", "1.0.0");
        f.start();
        f.apply(pipeline("demo", "mock", "{status: 200}"));
    }

    @After
    public void stop() {
        f.close();
        assertTrue("every listener is closed at deactivation", dataPlane.open().isEmpty());
        assertTrue("every plugin instance is closed at deactivation",
                mock.created.stream().allMatch(i -> i.closed));
    }

    @Test
    public void appendHappensOnlyAfterValidationAndAProbeOfThePort() throws Exception {
        order.clear();
        f.apply(server("web", 10080, "demo"));
        assertEquals("the planner probes the port (bind and release), the apply binds it",
                List.of("append 1 after [probe web 127.0.0.1:10080]"), order);
        f.refused(400, server("bad", 10081, "missing"));
        f.refused(409, server("web2", 10080, "demo"));
        assertEquals(1, order.size());
        assertEquals(List.of("probe web 127.0.0.1:10080", "bind web 127.0.0.1:10080"), dataPlane.events);
    }

    @Test
    public void routedRequestsRunThePipeline() throws Exception {
        f.apply("""
                kind: HTTPServer
                name: web
                spec:
                  port: 10080
                  rules:
                    - path: /hello
                      pipeline: demo
                """);
        FakeListener l = dataPlane.on(10080);
        FakeExchange ok = l.serve(FakeExchange.get("/hello"));
        assertEquals(200, ok.status());
        assertEquals("demo", ok.pipeline());
        assertEquals(1, ok.ends.get());
        FakeExchange miss = l.serve(FakeExchange.get("/other"));
        assertEquals(404, miss.status());
        assertEquals("no_route", miss.errorCode());
        assertEquals(1, miss.ends.get());
    }

    @Test
    public void failingAppendLeavesEverythingUnchanged() throws Exception {
        f.apply(server("web", 10080, "demo"));
        FakeListener before = dataPlane.on(10080);
        Generation demo = f.service.pipelines().current("demo");
        long index = f.service.appliedIndex();
        int instances = mock.created.size();
        log.failAppends = true;
        List<ConfigObject> change = f.parse(pipeline("demo", "mock", "{status: 201}") + "---\n"
                + server("web", 10081, "demo") + "---\n" + server("extra", 10082, "demo"));
        try {
            f.service.apply(change);
            fail();
        } catch (ConfigException e) {
            assertEquals(503, e.status());
            assertEquals(ConfigException.UNAVAILABLE, e.code());
        }
        assertEquals(index, f.service.appliedIndex());
        assertSame(demo, f.service.pipelines().current("demo"));
        assertEquals(2, f.service.list(null).size());
        assertEquals(10080, f.service.get("HTTPServer", "web").orElseThrow().spec().get("port").intValue());
        assertEquals(List.of(before), dataPlane.open());
        assertNull(dataPlane.on(10081));
        assertEquals("planning creates no plugin instance", instances, mock.created.size());
        assertFalse(mock.created.get(instances - 1).closed);
        assertEquals(200, before.serve(FakeExchange.get("/")).status());
        log.failAppends = false;
        f.service.apply(change);
        assertEquals(201, dataPlane.on(10081).serve(FakeExchange.get("/")).status());
    }

    @Test
    public void failingBindLeavesTheLogUnchanged() throws Exception {
        dataPlane.foreignPorts.add(10081);
        int entries = log.entries().size();
        int instances = mock.created.size();
        ConfigException e = f.refused(409, pipeline("other", "mock", "{}") + "---\n" + server("a", 10080, "other")
                + "---\n" + server("b", 10081, "other"));
        assertViolation(e, "$[2].spec.port", "address 127.0.0.1:10081 is already in use");
        assertEquals(entries, log.entries().size());
        assertTrue(dataPlane.open().isEmpty());
        assertTrue(f.service.get("Pipeline", "other").isEmpty());
        assertNull(f.service.pipelines().current("other"));
        assertEquals(instances, mock.created.size());
    }

    @Test
    public void sameSocketIsReconfiguredInPlace() throws Exception {
        f.apply(server("web", 10080, "demo"));
        FakeListener l = dataPlane.on(10080);
        f.apply(server("web", 10080, "demo").replace("  rules:", "  maxHeaderSize: 32KiB\n  rules:"));
        assertSame(l, dataPlane.on(10080));
        assertEquals(1, l.reconfigured);
        assertEquals(32768, l.settings().maxHeaderSize());
        assertEquals(1, dataPlane.listeners.size());
    }

    @Test
    public void movingAServerBindsTheNewSocketBeforeClosingTheOld() throws Exception {
        f.apply(server("web", 10080, "demo"));
        dataPlane.events.clear();
        f.apply(server("web", 10081, "demo"));
        assertEquals(List.of("probe web 127.0.0.1:10081", "bind web 127.0.0.1:10081", "close web 127.0.0.1:10080"),
                dataPlane.events);
    }

    @Test
    public void swappingPortsBetweenServersHandsListenersOver() throws Exception {
        f.apply(pipeline("other", "mock", "{status: 202}"));
        f.apply(server("a", 10080, "demo") + "---\n" + server("b", 10081, "other"));
        FakeListener first = dataPlane.on(10080);
        FakeListener second = dataPlane.on(10081);
        dataPlane.events.clear();
        f.apply(server("a", 10081, "demo") + "---\n" + server("b", 10080, "other"));
        assertEquals("no socket was closed or bound", List.of(), dataPlane.events);
        assertSame(first, dataPlane.on(10080));
        assertEquals("b", first.settings().name());
        assertEquals(202, first.serve(FakeExchange.get("/")).status());
        assertEquals(200, second.serve(FakeExchange.get("/")).status());
    }

    @Test
    public void aRefusedWriteNeverTouchesRunningListenersAndWildcardToSpecificAddressWorks() throws Exception {
        f.apply(server("a", 10080, "demo").replace("127.0.0.1", "0.0.0.0"));
        FakeListener wildcard = dataPlane.on(10080);
        dataPlane.foreignPorts.add(10090);
        dataPlane.events.clear();
        f.refused(409, server("a", 10080, "demo") + "---\n" + server("b", 10090, "demo"));
        assertEquals("only the probe of 10090", List.of("refused 127.0.0.1:10090"), dataPlane.events);
        assertSame(wildcard, dataPlane.on(10080));
        assertEquals("0.0.0.0", wildcard.settings().address());
        assertEquals(200, wildcard.serve(FakeExchange.get("/")).status());
        f.apply(server("a", 10080, "demo"));
        assertEquals("127.0.0.1", dataPlane.on(10080).settings().address());
        assertEquals(1, dataPlane.open().size());
    }

    @Test
    public void deletingAServerClosesItsListener() throws Exception {
        f.apply(server("web", 10080, "demo"));
        f.service.delete("HTTPServer", "web");
        assertTrue(dataPlane.open().isEmpty());
        assertEquals(3, f.service.appliedIndex());
        assertEquals(3, log.entries().size());
    }

    @Test
    public void reapplyingAnUnchangedObjectIsANoOp() throws Exception {
        f.apply(server("web", 10080, "demo"));
        FakeListener listener = dataPlane.on(10080);
        Generation demo = f.service.pipelines().current("demo");
        long index = f.service.appliedIndex();
        int entries = log.entries().size();
        int instances = mock.created.size();
        dataPlane.events.clear();
        order.clear();
        // the same objects as JSON this time, spaced and quoted differently: the same data
        String json = "[{\"kind\":\"Pipeline\",\"name\":\"demo\",\"spec\":{\"plugins\":[{\"name\":\"p1\","
                + "\"kind\":\"mock\",\"spec\":{\"status\":200}}]}},\n {\"kind\": \"HTTPServer\", \"name\": \"web\","
                + " \"spec\": {\"address\": \"127.0.0.1\", \"port\": 10080, \"rules\": [{\"pathPrefix\": \"/\","
                + " \"pipeline\": \"demo\"}]}}]";
        List<WriteResult> out = f.service.write(WriteMode.APPLY,
                f.service.parse(json.getBytes(StandardCharsets.UTF_8), ConfigFormat.JSON));

        assertEquals(List.of(WriteResult.Change.UNCHANGED, WriteResult.Change.UNCHANGED), changes(out));
        assertEquals("revisions stay", List.of(1L, 2L), out.stream().map(r -> r.object().revision()).toList());
        assertEquals("nothing appended", List.of(), order);
        assertEquals(entries, log.entries().size());
        assertEquals(index, f.service.appliedIndex());
        assertEquals("no plugin instance created", instances, mock.created.size());
        assertSame(demo, f.service.pipelines().current("demo"));
        assertEquals("no socket touched", List.of(), dataPlane.events);
        assertSame(listener, dataPlane.on(10080));
        assertEquals(0, listener.reconfigured);

        List<WriteResult> update = f.service.write(WriteMode.UPDATE, f.parse(pipeline("demo", "mock", "{status: 200}")));
        assertEquals(List.of(WriteResult.Change.UNCHANGED), changes(update));
        assertEquals(1, f.service.apply(f.parse(pipeline("demo", "mock", "{status: 200}"))).get(0).revision());
        assertEquals(entries, log.entries().size());
    }

    @Test
    public void aBatchLogsAndAppliesOnlyTheObjectsThatChanged() throws Exception {
        f.apply(server("web", 10080, "demo"));
        Generation demo = f.service.pipelines().current("demo");
        int instances = mock.created.size();
        order.clear();
        List<WriteResult> out = f.service.write(WriteMode.APPLY, f.parse(pipeline("demo", "mock", "{status: 200}")
                + "---\n" + server("web", 10081, "demo") + "---\n" + pipeline("extra", "mock", "{status: 204}")));

        assertEquals(List.of(WriteResult.Change.UNCHANGED, WriteResult.Change.UPDATED, WriteResult.Change.CREATED),
                changes(out));
        assertEquals("one entry for the batch", List.of(1L, 3L, 3L),
                out.stream().map(r -> r.object().revision()).toList());
        assertEquals("one append of the two changed objects", List.of("append 2 after [probe web 127.0.0.1:10080, "
                + "bind web 127.0.0.1:10080, probe web 127.0.0.1:10081]"), order);
        assertSame("the unchanged pipeline was not rebuilt", demo, f.service.pipelines().current("demo"));
        assertEquals("only the new pipeline got an instance", instances + 1, mock.created.size());
        assertEquals(200, dataPlane.on(10081).serve(FakeExchange.get("/")).status());
        assertEquals(3, f.service.appliedIndex());
    }

    @Test
    public void errorsInABatchWithUnchangedObjectsKeepTheirPositions() throws Exception {
        int entries = log.entries().size();
        ConfigException e = f.refused(400, pipeline("demo", "mock", "{status: 200}") + "---\n"
                + server("bad", 10081, "missing"));
        assertViolation(e, "$[1].spec.rules[0].pipeline", "does not exist");
        assertEquals(entries, log.entries().size());
    }

    private static List<WriteResult.Change> changes(List<WriteResult> results) {
        return results.stream().map(WriteResult::change).toList();
    }
}
