package io.gatehouse.cluster.internal;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.awaitility.Awaitility.await;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.inOrder;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import com.hazelcast.cluster.Address;
import com.hazelcast.cluster.Cluster;
import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.cp.CPGroup;
import com.hazelcast.cp.CPGroupId;
import com.hazelcast.cp.CPMember;
import com.hazelcast.cp.CPSubsystem;
import com.hazelcast.cp.CPSubsystemManagementService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.mockito.InOrder;

/** The CP repair's decisions against a mocked Hazelcast (the real thing is exercised by LeaseGroupTest). */
public class CpMemberRepairTest {
    private final HazelcastInstance hz = mock(HazelcastInstance.class);
    private final CPSubsystemManagementService cp = mock(CPSubsystemManagementService.class);
    private final Cluster cluster = mock(Cluster.class);
    private final Set<Member> clusterMembers = new LinkedHashSet<>();
    /** The CP members the METADATA group answers with. */
    private final List<CPMember> cpMembers = new ArrayList<>();
    private final AtomicReference<CPMember> local = new AtomicReference<>();
    private final ScheduledThreadPoolExecutor thread = new ScheduledThreadPoolExecutor(1);
    private Address mine;
    private CPMember a;
    private CPMember b;

    @Before
    public void setUp() throws Exception {
        CPSubsystem subsystem = mock(CPSubsystem.class);
        when(hz.getCPSubsystem()).thenReturn(subsystem);
        when(subsystem.getCPSubsystemManagementService()).thenReturn(cp);
        when(hz.getCluster()).thenReturn(cluster);
        when(cluster.getMembers()).thenAnswer(i -> Set.copyOf(clusterMembers));
        mine = new Address("127.0.0.1", 5703);
        Member me = member(mine);
        when(cluster.getLocalMember()).thenReturn(me);
        clusterMembers.add(me);
        a = cpMember(new Address("127.0.0.1", 5701));
        b = cpMember(new Address("127.0.0.1", 5702));
        clusterMembers.add(member(a.getAddress()));
        clusterMembers.add(member(b.getAddress()));
        when(cp.isDiscoveryCompleted()).thenReturn(true);
        when(cp.getLocalCPMember()).thenAnswer(i -> local.get());
        when(cp.getCPMembers()).thenAnswer(i -> CompletableFuture.completedFuture(List.copyOf(cpMembers)));
        CPGroupId metadata = groupId("METADATA");
        CPGroupId dflt = groupId("default");
        when(cp.getCPGroupIds()).thenAnswer(i -> CompletableFuture.completedFuture(List.of(metadata, dflt)));
        when(cp.getCPGroup(any())).thenAnswer(i -> {
            CPGroup g = mock(CPGroup.class);
            when(g.members()).thenReturn(List.copyOf(cpMembers));
            return CompletableFuture.completedFuture(g);
        });
    }

    @After
    public void tearDown() {
        thread.shutdownNow();
    }

    private CpMemberRepair repair(Duration retry, Duration deadline) {
        return new CpMemberRepair(hz, 3, thread, System::nanoTime, retry, deadline, Duration.ZERO);
    }

    @Test
    public void aRestartedVoterRemovesItsPreviousIncarnationThenPromotesItself() {
        CPMember old = cpMember(mine);
        cpMembers.addAll(List.of(a, b, old));
        CPMember promoted = cpMember(mine);
        when(cp.removeCPMember(old.getUuid())).thenAnswer(i -> {
            cpMembers.remove(old);
            return CompletableFuture.completedFuture(null);
        });
        when(cp.promoteToCPMember()).thenAnswer(i -> {
            cpMembers.add(promoted);
            local.set(promoted);
            return CompletableFuture.completedFuture(null);
        });

        assertTrue(repair(Duration.ofSeconds(1), Duration.ofSeconds(60)).attempt());
        InOrder order = inOrder(cp);
        order.verify(cp).removeCPMember(old.getUuid());
        order.verify(cp).promoteToCPMember();
    }

    @Test
    public void aPromotionRefusedDuringAnotherMembershipChangeIsRetried() {
        cpMembers.addAll(List.of(a, b));
        CPMember promoted = cpMember(mine);
        when(cp.promoteToCPMember())
                .thenReturn(CompletableFuture.failedFuture(new IllegalStateException("ongoing membership change")))
                .thenAnswer(i -> {
                    cpMembers.add(promoted);
                    local.set(promoted);
                    return CompletableFuture.completedFuture(null);
                });
        CpMemberRepair repair = repair(Duration.ofMillis(10), Duration.ofSeconds(60));
        assertFalse(repair.attempt());
        assertTrue(repair.attempt());
    }

    @Test
    public void notDoneUntilEveryCpGroupListsThePromotedMember() {
        cpMembers.addAll(List.of(a, b));
        CPMember promoted = cpMember(mine);
        local.set(promoted);
        // METADATA lists it, the default group not yet
        when(cp.getCPMembers()).thenReturn(CompletableFuture.completedFuture(List.of(a, b, promoted)));
        CpMemberRepair repair = repair(Duration.ofMillis(10), Duration.ofSeconds(60));
        assertFalse(repair.attempt());
        cpMembers.add(promoted);
        assertTrue(repair.attempt());
    }

    @Test
    public void overdueAfterTheDeadlineThenStillRetriedUntilDone() {
        cpMembers.addAll(List.of(a, b));
        when(cp.isDiscoveryCompleted()).thenReturn(false);
        CPMember promoted = cpMember(mine);
        when(cp.promoteToCPMember()).thenAnswer(i -> {
            cpMembers.add(promoted);
            local.set(promoted);
            return CompletableFuture.completedFuture(null);
        });
        CpMemberRepair repair = repair(Duration.ofMillis(10), Duration.ofMillis(100));
        repair.start();
        await().atMost(10, SECONDS).until(() -> repair.state() == CpMemberRepair.State.OVERDUE);
        when(cp.isDiscoveryCompleted()).thenReturn(true);
        await().atMost(10, SECONDS).until(() -> repair.state() == CpMemberRepair.State.DONE);
        verify(cp).promoteToCPMember();
    }

    @Test
    public void aCpMemberRemovedWhileThisNodeRunsIsReportedNotPromoted() {
        CPMember removed = cpMember(mine);
        local.set(removed);
        cpMembers.addAll(List.of(a, b));
        CpMemberRepair repair = repair(Duration.ofMillis(10), Duration.ofSeconds(60));
        assertFalse(repair.attempt());
        assertEquals(CpMemberRepair.State.REMOVED, repair.state());
        verify(cp, never()).promoteToCPMember();
    }

    @Test
    public void aDoneRepairThatFindsItsCpMemberRemovedLaterReportsItOnce() {
        CPMember mineCp = cpMember(mine);
        local.set(mineCp);
        cpMembers.addAll(List.of(a, b, mineCp));
        AtomicInteger reports = new AtomicInteger();
        CpMemberRepair repair = new CpMemberRepair(hz, 3, thread, System::nanoTime, Duration.ofMillis(10),
                Duration.ofSeconds(60), Duration.ZERO, Duration.ofMillis(20), reports::incrementAndGet);
        repair.start();
        await().atMost(10, SECONDS).until(() -> repair.state() == CpMemberRepair.State.DONE);
        assertEquals(0, reports.get());

        // the others removed it while this node was paused; it merged back with a new member UUID
        cpMembers.remove(mineCp);
        await().atMost(10, SECONDS).until(() -> reports.get() == 1);
        assertEquals(CpMemberRepair.State.REMOVED, repair.state());
        // reported once: the owner restarts the member, this repair schedules nothing more
        await().atMost(10, SECONDS).until(() -> thread.getQueue().isEmpty() && thread.getActiveCount() == 0);
        assertEquals(1, reports.get());
        verify(cp, never()).promoteToCPMember();
    }

    @Test
    public void anUnanswerableCpMemberListIsNotARemoval() {
        CPMember mineCp = cpMember(mine);
        local.set(mineCp);
        when(cp.getCPMembers()).thenReturn(CompletableFuture.failedFuture(new IllegalStateException("no majority")));
        AtomicInteger reports = new AtomicInteger();
        CpMemberRepair repair = new CpMemberRepair(hz, 3, thread, System::nanoTime, Duration.ofMillis(10),
                Duration.ofSeconds(60), Duration.ZERO, Duration.ofMillis(20), reports::incrementAndGet);
        assertTrue(repair.stillListed());
        assertEquals(0, reports.get());
    }

    @Test
    public void aSurvivorRemovesTheCpMemberOfAGoneVoter() {
        local.set(a);
        CPMember gone = cpMember(b.getAddress());
        cpMembers.addAll(List.of(a, gone));
        clusterMembers.removeIf(m -> m.getAddress().equals(b.getAddress()));
        when(cp.removeCPMember(gone.getUuid())).thenReturn(CompletableFuture.completedFuture(null));
        assertTrue(repair(Duration.ofMillis(10), Duration.ofSeconds(60)).removeGone(b.getAddress().toString()));
        verify(cp).removeCPMember(gone.getUuid());
    }

    @Test
    public void aSurvivorNeverRemovesANewIncarnationThatCameBackWhileItAsked() {
        local.set(a);
        Member back = member(b.getAddress());
        clusterMembers.removeIf(m -> m.getAddress().equals(b.getAddress()));
        // the voter comes back and is promoted while the survivor reads the CP member list
        CPMember promoted = cpMember(b.getAddress());
        when(cp.getCPMembers()).thenAnswer(i -> {
            clusterMembers.add(back);
            return CompletableFuture.completedFuture(List.of(a, promoted));
        });
        assertTrue(repair(Duration.ofMillis(10), Duration.ofSeconds(60)).removeGone(b.getAddress().toString()));
        verify(cp, never()).removeCPMember(any());
    }

    private static Member member(Address address) {
        Member m = mock(Member.class);
        when(m.getAddress()).thenReturn(address);
        return m;
    }

    private static CPMember cpMember(Address address) {
        CPMember m = mock(CPMember.class);
        UUID uuid = UUID.randomUUID();
        when(m.getUuid()).thenReturn(uuid);
        when(m.getAddress()).thenReturn(address);
        when(m.toString()).thenReturn("CPMember " + uuid + " at " + address);
        return m;
    }

    private static CPGroupId groupId(String name) {
        CPGroupId id = mock(CPGroupId.class);
        when(id.getName()).thenReturn(name);
        return id;
    }
}
