package io.gatehouse.cluster.internal;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.awaitility.Awaitility.await;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import io.gatehouse.api.cluster.MemberState;
import io.gatehouse.api.cluster.MemberStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

/**
 * A group of three voters (CP subsystem, lease on {@code gatehouse.lease}) and an observer: CP membership,
 * exactly one leader, unique and growing epochs across failovers, crash and graceful failover times.
 */
public class LeaseGroupTest {
    private static final List<String> VOTERS = List.of("n1", "n2", "n3");

    private TestNodes nodes;
    private final Map<String, GroupMember> current = new ConcurrentHashMap<>();
    private ScheduledExecutorService sampler;
    /** epoch -> nodes that ever believed they led with it. */
    private final Map<Long, Set<String>> owners = new ConcurrentHashMap<>();
    private final List<String> violations = new CopyOnWriteArrayList<>();
    private volatile long highestLed;

    @Before
    public void startGroup() {
        nodes = new TestNodes("lease" + TestNodes.freePort()).ports("n1", "n2", "n3", "o1");
        for (String n : VOTERS) {
            current.put(n, nodes.start(n, "voter", "n1,n2,n3"));
        }
        current.put("o1", nodes.start("o1", "observer", "n1,n2,n3"));
        sampler = Executors.newSingleThreadScheduledExecutor();
        sampler.scheduleAtFixedRate(this::sample, 5, 5, TimeUnit.MILLISECONDS);
        await().atMost(60, SECONDS).until(() -> leaders().size() == 1);
    }

    @After
    public void stopGroup() throws InterruptedException {
        if (sampler != null) {
            sampler.shutdownNow();
            sampler.awaitTermination(5, SECONDS);
        }
        nodes.close();
    }

    private void sample() {
        for (Map.Entry<String, GroupMember> e : current.entrySet()) {
            OptionalLong epoch = e.getValue().leadership().leadingEpoch();
            if (epoch.isEmpty()) {
                continue;
            }
            Set<String> who = owners.computeIfAbsent(epoch.getAsLong(), k -> ConcurrentHashMap.newKeySet());
            if (who.add(e.getKey())) {
                if (who.size() > 1) {
                    violations.add("epoch " + epoch.getAsLong() + " led by " + who);
                }
                if (epoch.getAsLong() <= highestLed) {
                    violations.add(e.getKey() + " began leading with epoch " + epoch.getAsLong()
                            + " after epoch " + highestLed);
                }
                highestLed = Math.max(highestLed, epoch.getAsLong());
            }
        }
    }

    private List<String> leaders() {
        List<String> out = new ArrayList<>();
        current.forEach((n, m) -> {
            if (m.leadership().leadingEpoch().isPresent()) {
                out.add(n);
            }
        });
        return out;
    }

    /** The one leader and its epoch, read together, once exactly one member leads. */
    private Map.Entry<String, Long> awaitOneLeader(int seconds) {
        return await().atMost(seconds, SECONDS).until(this::oneLeader, Optional::isPresent).orElseThrow();
    }

    private Optional<Map.Entry<String, Long>> oneLeader() {
        List<Map.Entry<String, Long>> l = new ArrayList<>();
        current.forEach((n, m) -> m.leadership().leadingEpoch().ifPresent(e -> l.add(Map.entry(n, e))));
        return l.size() == 1 ? Optional.of(l.get(0)) : Optional.empty();
    }

    private String leader() {
        List<String> l = leaders();
        assertEquals(l.toString(), 1, l.size());
        return l.get(0);
    }

    /** Exactly one leader, and every member's view names it with its epoch. */
    private boolean allAgree() {
        List<String> l = leaders();
        if (l.size() != 1) {
            return false;
        }
        OptionalLong e = current.get(l.get(0)).leadership().leadingEpoch();
        return e.isPresent() && current.values().stream().allMatch(m -> l.get(0).equals(m.status().leader())
                && m.leadership().current().map(Leadership.Lease::epoch).orElse(-1L) == e.getAsLong());
    }

    private static MemberState state(GroupMember m, String name) {
        return m.status().members().stream().filter(s -> s.name().equals(name)).map(MemberStatus::state)
                .findFirst().orElse(null);
    }

    @Test
    public void votersFormTheCpGroupAndOneLeaderIsSeenByAll() throws Exception {
        for (String n : VOTERS) {
            GroupMember m = current.get(n);
            await().atMost(30, SECONDS).until(() -> m.hazelcast().getCPSubsystem().getCPSubsystemManagementService()
                    .getLocalCPMember() != null);
            assertTrue(m.leadership().usesLease());
            assertFalse(m.hazelcast().getCluster().getLocalMember().isLiteMember());
        }
        GroupMember o1 = current.get("o1");
        assertTrue(o1.hazelcast().getCluster().getLocalMember().isLiteMember());
        assertNull(o1.hazelcast().getCPSubsystem().getCPSubsystemManagementService().getLocalCPMember());
        assertEquals(3, current.get("n1").hazelcast().getCPSubsystem().getCPSubsystemManagementService()
                .getCPMembers().toCompletableFuture().get(10, SECONDS).size());

        await().atMost(30, SECONDS).until(this::allAgree);
        String leader = leader();
        long epoch = current.get(leader).leadership().leadingEpoch().getAsLong();
        for (GroupMember m : current.values()) {
            assertEquals(epoch, m.leadership().current().orElseThrow().epoch());
            assertEquals(List.of("n1", "n2", "n3", "o1"), m.status().members().stream().map(MemberStatus::name).toList());
        }
        assertTrue(current.get(leader).status().leading());
        assertTrue(o1.leadership().leadingEpoch().isEmpty());

        // the commit register: CAS from unset, then only from the current value
        CommitRegister register = current.get("n2").commitRegister().orElseThrow();
        Duration t = Duration.ofSeconds(5);
        assertEquals(Optional.empty(), register.get(t).get(10, SECONDS));
        CommitRegister.CommitPoint first = new CommitRegister.CommitPoint(epoch, 0, "");
        assertTrue(register.compareAndSet(null, first, t).get(10, SECONDS));
        CommitRegister.CommitPoint next = new CommitRegister.CommitPoint(epoch, 1, "abc");
        assertFalse(register.compareAndSet(null, next, t).get(10, SECONDS));
        assertTrue(current.get("o1").commitRegister().orElseThrow().compareAndSet(first, next, t).get(10, SECONDS));
        assertEquals(Optional.of(next), current.get("n3").commitRegister().orElseThrow().get(t).get(10, SECONDS));
        assertEquals(List.of(), violations);
    }

    @Test
    public void failsOverAfterTheLeadersMemberIsTerminated() {
        List<Long> millis = new ArrayList<>();
        List<String> rejoin = new ArrayList<>();
        for (int trial = 0; trial < 3; trial++) {
            Map.Entry<String, Long> was = awaitOneLeader(10);
            String old = was.getKey();
            long t0 = System.nanoTime();
            current.remove(old).kill();
            Map.Entry<String, Long> now = awaitOneLeader(20);
            long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            millis.add(took);
            String next = now.getKey();
            assertTrue(now + " after " + was, now.getValue() > was.getValue());

            // the voter comes back (a new incarnation on the same address) and takes its old place in the CP group
            long r0 = System.nanoTime();
            GroupMember back = nodes.start(old, "voter", "n1,n2,n3");
            current.put(old, back);
            await().atMost(60, SECONDS).until(() -> back.cpRepairState().orElseThrow() == CpMemberRepair.State.DONE);
            long repaired = System.nanoTime();
            assertNotNull(back.hazelcast().getCPSubsystem().getCPSubsystemManagementService().getLocalCPMember());
            await().atMost(30, SECONDS).until(() -> state(current.get(next), old) == MemberState.ALIVE);
            // one leader seen by all, the restarted voter included (not necessarily `next`: a leader whose renewals
            // fail for lease.stepDown while the CP groups change steps down, and another voter takes over)
            await().atMost(30, SECONDS).until(this::allAgree);
            // before the next crash, the CP groups have their three members again and the restarted voter has
            // caught up with them (a member listed but without the log cannot vote: the next crash would be a
            // double fault)
            await().atMost(60, SECONDS).until(() -> {
                var cp = current.get(next).hazelcast().getCPSubsystem().getCPSubsystemManagementService();
                return cp.getCPGroup("default").toCompletableFuture().get(5, SECONDS).members().size() == 3
                        && cp.getCPGroup("METADATA").toCompletableFuture().get(5, SECONDS).members().size() == 3
                        && CpProbe.caughtUp(back.hazelcast());
            });
            rejoin.add(TimeUnit.NANOSECONDS.toMillis(repaired - r0) + "+"
                    + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - repaired));
        }
        List<Long> sorted = new ArrayList<>(millis);
        Collections.sort(sorted);
        System.out.println("failover after terminate (ms): " + millis + " p50 " + sorted.get(sorted.size() / 2)
                + " max " + sorted.get(sorted.size() - 1));
        System.out.println("restarted voter back in every CP group + caught up (ms, from its start): " + rejoin);
        for (long ms : millis) {
            assertTrue("failover took " + ms + " ms", ms < 10_000);
        }
        assertEquals(List.of(), violations);
        assertTrue(owners.toString(), owners.size() >= 4);
    }

    @Test
    public void aLeaderThatLeavesGracefullyHandsOverAtOnce() throws Exception {
        Map.Entry<String, Long> was = awaitOneLeader(10);
        String old = was.getKey();
        GroupMember leaving = current.remove(old);
        long t0 = System.nanoTime();
        Thread stopper = new Thread(leaving::stop, "stopper");
        stopper.start();
        // the successor and its epoch as seen when it took over (it may step down later, while the CP groups
        // change for the member that left)
        Map.Entry<String, Long> now = awaitOneLeader(10);
        long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        stopper.join(30_000);
        assertFalse(stopper.isAlive());
        assertTrue(now + " after " + was, now.getValue() > was.getValue());
        System.out.println("graceful handover (ms): " + took);
        // handed over, not taken after lease.takeover: the successor found the lease released (how long it took
        // depends on the machine's load; the figure is printed, not asserted)
        String how = "epoch " + now.getValue() + " (vacant lease)";
        assertTrue(now.getKey() + " took " + how + ": " + current.get(now.getKey()).events(),
                current.get(now.getKey()).events().stream().anyMatch(e -> e.kind().equals("leader")
                        && e.member().equals(now.getKey()) && e.detail().equals(how)));
        for (GroupMember m : current.values()) {
            await().atMost(15, SECONDS).until(() -> state(m, old) == MemberState.LEFT);
        }
        await().atMost(15, SECONDS).until(this::allAgree);
        assertEquals(List.of(), violations);
    }
}
