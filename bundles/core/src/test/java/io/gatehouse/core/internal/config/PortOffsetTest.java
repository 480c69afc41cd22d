package io.gatehouse.core.internal.config;

import static io.gatehouse.core.internal.config.Fixture.pipeline;
import static io.gatehouse.core.internal.config.Fixture.server;
import static org.awaitility.Awaitility.await;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.gatehouse.api.config.ConfigException;
import io.gatehouse.api.config.ObjectStatus;
import io.gatehouse.core.internal.testkit.FakeDataPlane;
import io.gatehouse.core.internal.testkit.MemoryLog;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.After;
import org.junit.Test;

/** The node-local {@code portOffset}: every HTTPServer of the replicated configuration binds port + offset. */
public class PortOffsetTest {
    private final List<Fixture> fixtures = new ArrayList<>();

    @After
    public void stopAll() {
        fixtures.forEach(Fixture::close);
    }

    private Fixture start(MemoryLog log, FakeDataPlane dataPlane, boolean standalone, int offset) throws Exception {
        Fixture f = new Fixture(log, dataPlane);
        fixtures.add(f);
        return f.start(Fixture.config(standalone, offset)).knownKinds("mock");
    }

    private static ObjectStatus status(Fixture f, String name) {
        return f.service.status("HTTPServer", name).orElseThrow();
    }

    @Test
    public void aServerIsProbedAndBoundAtItsPortPlusTheOffset() throws Exception {
        FakeDataPlane dataPlane = new FakeDataPlane();
        Fixture f = start(new MemoryLog(), dataPlane, true, 3);
        f.apply(pipeline("a", "mock", "{}") + "---\n" + server("web", 10080, "a"));
        assertEquals(List.of("probe web 127.0.0.1:10083", "bind web 127.0.0.1:10083"), dataPlane.events);
        assertEquals(ObjectStatus.READY, status(f, "web"));
        // the object keeps the port it was written with: only this node's listener moves
        assertEquals(10080, f.service.get("HTTPServer", "web").orElseThrow().spec().get("port").asInt());
    }

    @Test
    public void aProbeRefusesAnOffsetPortAnotherProcessHoldsNamingTheRealPort() throws Exception {
        FakeDataPlane dataPlane = new FakeDataPlane();
        dataPlane.foreignPorts.add(10082);
        Fixture f = start(new MemoryLog(), dataPlane, true, 2);
        f.apply(pipeline("a", "mock", "{}"));
        ConfigException e = f.refused(409, server("web", 10080, "a"));
        Fixture.assertViolation(e, "$.spec.port", "address 127.0.0.1:10082 is already in use");
        // the port without the offset is not this node's business
        dataPlane.foreignPorts.clear();
        dataPlane.foreignPorts.add(10080);
        f.apply(server("web", 10080, "a"));
        assertEquals(ObjectStatus.READY, status(f, "web"));
    }

    @Test
    public void aReplayedServerWhosePortIsTakenReportsTheRealPort() throws Exception {
        MemoryLog log = new MemoryLog();
        Fixture writer = start(log, new FakeDataPlane(), true, 0);
        writer.apply(pipeline("a", "mock", "{}") + "---\n" + server("web", 10080, "a"));
        writer.close();
        fixtures.remove(writer);

        FakeDataPlane dataPlane = new FakeDataPlane();
        dataPlane.foreignPorts.add(10085);
        Fixture node = start(log, dataPlane, true, 5);
        ObjectStatus s = status(node, "web");
        assertFalse(s.ready());
        assertTrue(s.reason(), s.reason().startsWith("port 127.0.0.1:10085 in use, retrying"));
    }

    @Test
    public void twoNodesOfOneGroupServeTheSameServerOnOneMachine() throws Exception {
        MemoryLog log = new MemoryLog();
        FakeDataPlane machine = new FakeDataPlane();
        Fixture leader = start(log, machine, true, 1);
        // a follower sharing the log (what replication gives it); it never commits itself
        Fixture follower = start(log, machine, false, 2);
        leader.apply(pipeline("a", "mock", "{}") + "---\n" + server("web", 10080, "a"));
        await().atMost(Duration.ofSeconds(10)).until(() -> follower.service.appliedIndex() == 1);
        assertEquals(ObjectStatus.READY, status(leader, "web"));
        assertEquals(ObjectStatus.READY, status(follower, "web"));
        assertEquals(List.of("127.0.0.1:10081", "127.0.0.1:10082"), machine.open().stream()
                .map(l -> ServerModel.socket(l.settings())).sorted().toList());

        // without offsets, the second node of the machine could not bind it
        Fixture third = start(log, machine, false, 1);
        ObjectStatus s = status(third, "web");
        assertFalse(s.ready());
        assertTrue(s.reason(), s.reason().startsWith("port 127.0.0.1:10081 in use"));
    }

    @Test
    public void aPortPushedPast65535IsNotReadyWithoutRetriesAndRefusedWhereItIsPlanned() throws Exception {
        MemoryLog log = new MemoryLog();
        Fixture writer = start(log, new FakeDataPlane(), true, 0);
        writer.apply(pipeline("a", "mock", "{}") + "---\n" + server("web", 65000, "a"));
        writer.close();
        fixtures.remove(writer);

        FakeDataPlane dataPlane = new FakeDataPlane();
        Fixture node = start(log, dataPlane, true, 1000);
        ObjectStatus s = status(node, "web");
        assertFalse(s.ready());
        String reason = "port 66000 (the spec's 65000 + this node's portOffset 1000) is above 65535: this node "
                + "cannot serve it (lower portOffset in configuration io.gatehouse.core, or the server's port)";
        assertEquals(reason, s.reason());
        assertEquals("nothing was bound or retried", List.of(), dataPlane.events);
        assertEquals("no bind retry is scheduled", 0, node.service.pendingTimers());

        // planned on this node, the write is refused like a port another process holds
        ConfigException e = node.refused(409, server("web2", 64600, "a"));
        Fixture.assertViolation(e, "$.spec.port", "port 65600 (the spec's 64600 + this node's portOffset 1000)");
        // a port that fits is served: the stored server is rewritten
        node.apply(server("web", 64000, "a"));
        assertEquals(ObjectStatus.READY, status(node, "web"));
        assertEquals(List.of("probe web 127.0.0.1:65000", "bind web 127.0.0.1:65000"), dataPlane.events);
    }

    @Test
    public void theOffsetIsCheckedAtActivation() {
        for (int bad : new int[] {-1, 1001}) {
            Fixture f = new Fixture();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> f.start(Fixture.config(true, bad)));
            assertEquals("portOffset must be between 0 and 1000: " + bad, e.getMessage());
        }
    }
}
