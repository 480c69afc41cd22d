package io.gatehouse.cluster.internal;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.awaitility.Awaitility.await;
import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.gatehouse.api.cluster.ClusterStatus;
import io.gatehouse.api.cluster.ConsensusException;
import io.gatehouse.api.cluster.ConsensusException.Reason;
import io.gatehouse.api.cluster.MemberState;
import io.gatehouse.api.cluster.MemberStatus;
import io.gatehouse.api.cluster.WriteGateway;
import io.gatehouse.api.log.Change;
import io.gatehouse.api.log.LogEntry;
import io.gatehouse.api.log.Operation;
import io.gatehouse.cluster.internal.consensus.ClusterConsensus;
import io.gatehouse.cluster.internal.consensus.ConsensusComponent;
import io.gatehouse.cluster.internal.replication.MemoryOperationLog;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.After;
import org.junit.Test;

/**
 * The {@code Consensus} service on real Hazelcast members in this JVM (127.0.0.1, free ports) with in-memory
 * logs: commits reach every node, writes are forwarded to the leader's gateway, a terminated leader is
 * replaced without losing a committed entry, a one-voter group commits alone, and the service stops its
 * thread.
 */
public class ConsensusGroupTest {
    private static final Duration T = Duration.ofSeconds(5);

    private TestNodes nodes;
    private final Map<String, GroupMember> members = new ConcurrentHashMap<>();
    private final Map<String, MemoryOperationLog> logs = new ConcurrentHashMap<>();
    private final Map<String, ClusterConsensus> consensus = new ConcurrentHashMap<>();
    private final List<ConsensusComponent> components = new ArrayList<>();

    @After
    public void stop() {
        components.forEach(ConsensusComponent::deactivate);
        consensus.values().forEach(ClusterConsensus::close);
        if (nodes != null) {
            nodes.close();
        }
    }

    /** A gateway like the core's: commits the request as one change and answers with the entry's index. */
    private WriteGateway gateway(String name) {
        return (request, timeout) -> consensus.get(name).commit(new String(request, StandardCharsets.UTF_8),
                List.of(change(new String(request, StandardCharsets.UTF_8))), timeout)
                .thenApply(e -> (name + ":" + e.index()).getBytes(StandardCharsets.UTF_8));
    }

    private static Change change(String id) {
        return new Change(Operation.PUT, "route", id, ("{\"id\":\"" + id + "\"}").getBytes(StandardCharsets.UTF_8));
    }

    private void start(String name, String role, String voters) {
        GroupMember m = nodes.start(name, role, voters);
        members.put(name, m);
        MemoryOperationLog log = new MemoryOperationLog(name, Clock.systemUTC()::instant);
        logs.put(name, log);
        ClusterConsensus c = new ClusterConsensus(m, log, () -> gateway(name), log::commitIndex);
        consensus.put(name, c);
        c.start();
    }

    /** The node whose Consensus says it leads (and is ready), or null. */
    private String leader() {
        for (Map.Entry<String, ClusterConsensus> e : consensus.entrySet()) {
            if (e.getValue().status().leading()) {
                return e.getKey();
            }
        }
        return null;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static Reason reason(CompletableFuture<?> f) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(10, SECONDS));
        assertTrue(e.getCause().toString(), e.getCause() instanceof ConsensusException);
        return ((ConsensusException) e.getCause()).reason();
    }

    @Test
    public void threeVotersAndAnObserverCommitForwardAndSurviveTheLeadersCrash() throws Exception {
        nodes = new TestNodes("consensus" + TestNodes.freePort()).ports("n1", "n2", "n3", "o1");
        for (String n : List.of("n1", "n2", "n3")) {
            start(n, "voter", "n1,n2,n3");
        }
        start("o1", "observer", "n1,n2,n3");
        await().atMost(60, SECONDS).until(() -> leader() != null);
        String leader = leader();
        await().atMost(10, SECONDS).until(() -> consensus.values().stream()
                .allMatch(c -> leader.equals(c.status().leader()) && !c.status().stale()));

        // a commit on the leader lands durably on every node, the observer included
        LogEntry first = consensus.get(leader).commit("w1", List.of(change("w1")), T).get(10, SECONDS);
        await().atMost(10, SECONDS).until(() -> logs.values().stream().allMatch(l -> l.commitIndex() >= first.index()));
        String follower = List.of("n1", "n2", "n3").stream().filter(n -> !n.equals(leader)).findFirst().orElseThrow();
        assertEquals(Reason.NOT_LEADER, reason(consensus.get(follower).commit("x", List.of(change("x")), T)));

        // forwarded from a follower and from the observer to the leader's gateway
        for (String from : List.of(follower, "o1")) {
            String answer = new String(consensus.get(from).forward(null, bytes("fw-" + from), T).get(10, SECONDS),
                    StandardCharsets.UTF_8);
            assertTrue(answer, answer.startsWith(leader + ":"));
            long index = Long.parseLong(answer.substring(answer.indexOf(':') + 1));
            await().atMost(10, SECONDS).until(() -> logs.get(from).commitIndex() >= index);
            assertEquals("fw-" + from, logs.get(from).read(index, 1).entries().get(0).requestId());
        }
        assertEquals(Reason.UNKNOWN_GROUP, reason(consensus.get(follower).forward("other", bytes("x"), T)));

        // status: the leader knows every member's applied index, a follower its own
        await().atMost(10, SECONDS).until(() -> consensus.get(leader).status().members().stream()
                .allMatch(m -> m.appliedIndex() >= first.index()));
        ClusterStatus fs = consensus.get("o1").status();
        assertEquals(leader, fs.leader());
        assertFalse(fs.reason(), fs.stale());
        assertTrue(fs.commitIndex() >= first.index());
        MemberStatus own = fs.members().stream().filter(m -> m.name().equals("o1")).findFirst().orElseThrow();
        assertEquals(logs.get("o1").commitIndex(), own.appliedIndex());

        // commit latency on loopback
        List<Long> micros = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            long t0 = System.nanoTime();
            consensus.get(leader).commit("lat" + i, List.of(change("lat" + i)), T).get(10, SECONDS);
            micros.add((System.nanoTime() - t0) / 1000);
        }
        Collections.sort(micros);
        System.out.printf("consensus commit latency (3 voters + 1 observer, loopback, 50 sequential): p50 %.2f ms, "
                + "p90 %.2f ms, max %.2f ms%n", micros.get(25) / 1000.0, micros.get(45) / 1000.0,
                micros.get(49) / 1000.0);

        // terminate the leader's member: a new leader, commits resume, nothing committed is lost
        List<LogEntry> committed = logs.get(leader).read(1, 10_000).entries().stream()
                .filter(e -> e.index() <= logs.get(leader).commitIndex()).toList();
        long killedAt = System.nanoTime();
        members.get(leader).kill();
        consensus.remove(leader).close();
        List<String> survivors = new ArrayList<>(consensus.keySet());
        LogEntry[] after = new LogEntry[1];
        await().atMost(30, SECONDS).pollInterval(10, TimeUnit.MILLISECONDS).until(() -> {
            String l = leader();
            if (l == null) {
                return false;
            }
            try {
                after[0] = consensus.get(l).commit("after", List.of(change("after")), T).get(10, SECONDS);
                return true;
            } catch (ExecutionException e) {
                return false;
            }
        });
        long failoverMillis = (System.nanoTime() - killedAt) / 1_000_000;
        String newLeader = leader();
        System.out.println("consensus failover: terminate of leader " + leader + " until the first commit on "
                + newLeader + ": " + failoverMillis + " ms");
        assertNotNull(after[0]);
        await().atMost(10, SECONDS).until(() -> survivors.stream()
                .allMatch(n -> logs.get(n).commitIndex() == logs.get(newLeader).lastIndex()));
        for (String n : survivors) {
            List<LogEntry> entries = logs.get(n).entries();
            assertEquals(n, logs.get(newLeader).entries(), entries);
            for (LogEntry e : committed) {
                assertEquals(n + " lost " + e, e, entries.get((int) e.index() - 1));
            }
        }
        // forwarding follows the new leader
        String from = survivors.stream().filter(n -> !n.equals(newLeader)).findFirst().orElseThrow();
        String answer = new String(consensus.get(from).forward(null, bytes("fw-after"), T).get(10, SECONDS),
                StandardCharsets.UTF_8);
        assertTrue(answer, answer.startsWith(newLeader + ":"));
    }

    @Test
    public void aForwardThatCannotReachALeaderIsRefusedBeforeItsDeadlineNotTimedOut() throws Exception {
        nodes = new TestNodes("nomajority" + TestNodes.freePort()).ports("m1", "m2", "m3");
        for (String n : List.of("m1", "m2", "m3")) {
            start(n, "voter", "m1,m2,m3");
        }
        await().atMost(60, SECONDS).until(() -> leader() != null);
        String leader = leader();
        await().atMost(10, SECONDS).until(() -> consensus.values().stream()
                .allMatch(c -> leader.equals(c.status().leader()) && !c.status().stale()));
        // the leader and one follower crash: the survivor has no majority, no leader will come
        String survivor = List.of("m1", "m2", "m3").stream().filter(n -> !n.equals(leader)).findFirst().orElseThrow();
        for (String n : List.of("m1", "m2", "m3")) {
            if (!n.equals(survivor)) {
                members.get(n).kill();
                consensus.remove(n).close();
            }
        }
        // once the survivor's failure detector has removed them (before, a request to the dead leader may
        // have arrived: it times out, 504, as it should)
        await().atMost(30, SECONDS).until(() -> members.get(survivor).status().members().stream()
                .filter(m -> !m.name().equals(survivor)).allMatch(m -> m.state() == MemberState.DEAD));
        Duration timeout = Duration.ofSeconds(5);
        long t0 = System.nanoTime();
        Reason refused = reason(consensus.get(survivor).forward(null, bytes("lost"), timeout));
        long took = (System.nanoTime() - t0) / 1_000_000;
        assertTrue("the write never reached a leader: " + refused, refused == Reason.NO_LEADER
                || refused == Reason.NOT_LEADER);
        assertTrue("answered before the caller's own deadline (" + took + " ms): a 503, not a 504",
                took < timeout.toMillis() - ClusterConsensus.giveUpMargin(timeout) / 1_000_000 / 2);
    }

    private static long replicationThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith(ClusterConsensus.THREAD_PREFIX) && t.isAlive()).count();
    }

    @Test
    public void aOneVoterGroupCommitsAloneAndTheServiceStopsCleanly() throws Exception {
        nodes = new TestNodes("solo" + TestNodes.freePort());
        GroupMember m = nodes.start("s1", "voter", "s1");
        MemoryOperationLog log = new MemoryOperationLog("s1", Clock.systemUTC()::instant);
        long before = replicationThreads();
        ConsensusComponent component = new ConsensusComponent(m, log);
        components.add(component);
        assertEquals(before + 1, replicationThreads());
        await().atMost(10, SECONDS).until(() -> component.status().leading());

        LogEntry e = component.commit("w1", List.of(change("w1")), T).get(10, SECONDS);
        assertEquals(e.index(), log.commitIndex());
        // the core publishes its status right after it completes the write
        await().atMost(5, SECONDS).until(() -> component.status().commitIndex() == e.index());
        assertEquals(e.index(), component.status().members().get(0).appliedIndex());

        // no gateway: the core is not running; with one, a forward is answered locally
        assertEquals(Reason.STOPPED, reason(component.forward(null, bytes("x"), T)));
        WriteGateway echo = (request, timeout) -> CompletableFuture.completedFuture(bytes("echo:"
                + new String(request, StandardCharsets.UTF_8)));
        component.bindGateway(echo);
        assertArrayEquals(bytes("echo:y"), component.forward("default", bytes("y"), T).get(10, SECONDS));
        component.unbindGateway(echo);
        assertEquals(Reason.STOPPED, reason(component.forward(null, bytes("z"), T)));

        component.deactivate();
        components.remove(component);
        assertEquals(before, replicationThreads());
        assertEquals(Reason.STOPPED, reason(component.commit("w2", List.of(change("w2")), T)));
        ClusterStatus s = component.status();
        assertTrue(s.stale());
        // the forward handler is gone from the messaging layer
        ExecutionException gone = assertThrows(ExecutionException.class, () -> m.messaging()
                .request("s1", ClusterConsensus.FORWARD, new byte[8], T).get(10, SECONDS));
        assertEquals(MessagingException.Reason.NO_HANDLER, ((MessagingException) gone.getCause()).reason());
    }
}
