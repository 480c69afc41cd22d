package io.gatehouse.cluster.internal.consensus;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyLong;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import io.gatehouse.api.cluster.ConsensusException;
import io.gatehouse.cluster.internal.CommitRegister;
import io.gatehouse.cluster.internal.Leadership;
import io.gatehouse.cluster.internal.replication.CommitPoint;
import io.gatehouse.cluster.internal.replication.MemoryOperationLog;
import io.gatehouse.cluster.internal.replication.Replica;
import io.gatehouse.cluster.internal.replication.ReplicaStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.Test;

/** The adapters between the Hazelcast side and the replication core, without Hazelcast. */
public class AdaptersTest {
    private static final Duration T = Duration.ofSeconds(1);

    @Test
    public void commitPointsKeepTheirUnsignedChecksumThroughTheCpRegister() throws Exception {
        CommitRegister cp = mock(CommitRegister.class);
        CpCommitRegister r = new CpCommitRegister(cp);
        CommitPoint p = new CommitPoint(3, 7, 0xfedcba9876543210L);
        CommitRegister.CommitPoint stored = new CommitRegister.CommitPoint(3, 7, "fedcba9876543210");
        when(cp.compareAndSet(null, stored, T)).thenReturn(CompletableFuture.completedFuture(true));
        assertEquals(true, r.compareAndSet(Optional.empty(), p, T).get(1, TimeUnit.SECONDS));
        when(cp.get(T)).thenReturn(CompletableFuture.completedFuture(Optional.of(stored)));
        assertEquals(Optional.of(p), r.get(T).get(1, TimeUnit.SECONDS));
        // a value written in another form ("" for no checksum) is expected back in that very form
        CommitRegister.CommitPoint foreign = new CommitRegister.CommitPoint(1, 0, "");
        when(cp.get(T)).thenReturn(CompletableFuture.completedFuture(Optional.of(foreign)));
        CommitPoint read = r.get(T).get(1, TimeUnit.SECONDS).orElseThrow();
        assertEquals(new CommitPoint(1, 0, 0), read);
        CommitPoint next = new CommitPoint(2, 0, 0);
        when(cp.compareAndSet(foreign, CpCommitRegister.toCp(next), T))
                .thenReturn(CompletableFuture.completedFuture(true));
        assertEquals(true, r.compareAndSet(Optional.of(read), next, T).get(1, TimeUnit.SECONDS));
    }

    @Test
    public void aRegisterThatNeverAnswersTimesOut() {
        CommitRegister cp = mock(CommitRegister.class);
        when(cp.get(any())).thenReturn(new CompletableFuture<>());
        CompletableFuture<?> f = new CpCommitRegister(cp).get(Duration.ofMillis(50));
        assertThrows(Exception.class, () -> f.get(2, TimeUnit.SECONDS));
    }

    @Test
    public void forwardBytesCarryTheTimeoutTheAnswerAndTheRefusal() {
        ForwardCodec.Request r = ForwardCodec.request(ForwardCodec.request(1234, new byte[] {1, 2, 3}));
        assertEquals(1234, r.timeoutMillis());
        assertArrayEquals(new byte[] {1, 2, 3}, r.body());
        assertArrayEquals(new byte[] {9}, ForwardCodec.answer(ForwardCodec.ok(new byte[] {9})));
        ConsensusException e = assertThrows(ConsensusException.class, () -> ForwardCodec.answer(
                ForwardCodec.refused(ConsensusException.Reason.NOT_LEADER, "n2", "n1 does not lead")));
        assertEquals(ConsensusException.Reason.NOT_LEADER, e.reason());
        assertEquals("n2", e.leader());
        assertEquals("n1 does not lead", e.getMessage());
    }

    @Test
    public void aRefusalWithAReasonThisVersionDoesNotKnowIsReadAsNoMajority() throws Exception {
        // what a newer node may send during a rolling upgrade
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        java.io.DataOutputStream out = new java.io.DataOutputStream(bytes);
        out.writeByte(ForwardCodec.refused(ConsensusException.Reason.OVERLOADED, "", "m")[0]);
        out.writeUTF("SOMETHING_NEWER");
        out.writeUTF("");
        out.writeUTF("busy");
        ConsensusException e = assertThrows(ConsensusException.class, () -> ForwardCodec.answer(bytes.toByteArray()));
        assertEquals(ConsensusException.Reason.NO_MAJORITY, e.reason());
        assertEquals("busy", e.getMessage());
        assertEquals(ConsensusException.Reason.OVERLOADED, assertThrows(ConsensusException.class, () -> ForwardCodec
                .answer(ForwardCodec.refused(ConsensusException.Reason.OVERLOADED, null, "busy"))).reason());
    }

    @Test
    public void aLeaseEpochTheLogHasAlreadySeenIsNotLedButRaisesTheFloor() throws Exception {
        MemoryOperationLog log = new MemoryOperationLog("n1", () -> Instant.EPOCH);
        log.observeEpoch(5);
        Leadership lease = mock(Leadership.class);
        when(lease.leadingEpoch()).thenReturn(OptionalLong.empty());
        Replica replica = mock(Replica.class);
        LeaseBridge bridge = new LeaseBridge("n1", lease, log, Runnable::run);
        bridge.start(replica);
        verify(lease).raiseEpochFloor(5);

        // CP state lost: the lease hands out epoch 3 again
        bridge.leaseChanged(Optional.of(new Leadership.Lease("n1", 3)), true);
        verify(replica, never()).lead(anyLong());
        // a fresh epoch is led
        bridge.leaseChanged(Optional.of(new Leadership.Lease("n1", 6)), true);
        verify(replica).lead(6);
        // another leader is passed on; this node stops leading
        bridge.leaseChanged(Optional.of(new Leadership.Lease("n2", 7)), false);
        verify(replica, times(2)).stepDown(); // once at start (no lease yet), once now
        verify(replica).leaderIs("n2", 7);
    }

    @Test
    public void theLeaseIsGivenUpWhenTheCoresLeadershipEndsButNotForItsOwnEpochOtherwise() throws Exception {
        MemoryOperationLog log = new MemoryOperationLog("n1", () -> Instant.EPOCH);
        Leadership lease = mock(Leadership.class);
        when(lease.leadingEpoch()).thenReturn(OptionalLong.of(4));
        LeaseBridge bridge = new LeaseBridge("n1", lease, log, Runnable::run);
        bridge.syncFloor(4); // its own current epoch: never reported
        verify(lease, never()).raiseEpochFloor(anyLong());
        bridge.leadershipEnded(4, "deposed");
        verify(lease).raiseEpochFloor(eq(4L));
    }

    @Test
    public void aRefusedForwardIsSentAgainOnlyToANewLeadershipTheSameNodeReElectedIncluded() {
        ClusterConsensus.Target tried = new ClusterConsensus.Target("n1", 4);
        // n1 stepped down and was elected again: a later epoch is a new leadership (seen at a load of 61)
        assertEquals(true, ClusterConsensus.newLeadership(follower("n2", "n1", 5), tried));
        assertEquals(false, ClusterConsensus.newLeadership(follower("n2", "n1", 4), tried));
        assertEquals(true, ClusterConsensus.newLeadership(follower("n2", "n3", 4), tried));
        assertEquals(false, ClusterConsensus.newLeadership(follower("n2", null, 0), tried));
        // this node named as leader but not leading yet: wait; leading and ready: answer locally
        assertEquals(false, ClusterConsensus.newLeadership(follower("n2", "n2", 6), tried));
        assertEquals(false, ClusterConsensus.newLeadership(leader("n2", false), tried));
        assertEquals(true, ClusterConsensus.newLeadership(leader("n2", true), tried));
    }

    @Test
    public void aLeaderThatSaysItIsTakingOverIsAskedAgainOtherRefusalsWaitForANewLeadership() {
        ClusterConsensus.Target n1 = new ClusterConsensus.Target("n1", 4);
        assertEquals(true, ClusterConsensus.takingOver(new ConsensusException(
                ConsensusException.Reason.NO_LEADER, "n1 is taking over as leader (not ready yet)", "n1"), n1));
        assertEquals(false, ClusterConsensus.takingOver(new ConsensusException(
                ConsensusException.Reason.NOT_LEADER, "n1 does not lead; n2 does", "n2"), n1));
        assertEquals(false, ClusterConsensus.takingOver(new ConsensusException(
                ConsensusException.Reason.NO_LEADER, "no leader is known", (String) null), n1));
        assertEquals(false, ClusterConsensus.takingOver(null, n1));
    }

    private static ReplicaStatus follower(String self, String leader, long epoch) {
        return new ReplicaStatus(self, leader, epoch, false, false, epoch, 0, 0, java.util.Map.of());
    }

    private static ReplicaStatus leader(String self, boolean ready) {
        return new ReplicaStatus(self, self, 6, true, ready, 6, 0, 0, java.util.Map.of());
    }
}
