package io.gatehouse.cluster.internal;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.cp.CPGroupId;
import com.hazelcast.cp.CPSubsystemManagementService;
import com.hazelcast.cp.internal.RaftService;
import com.hazelcast.cp.internal.raft.impl.RaftNode;
import com.hazelcast.cp.internal.raft.impl.RaftNodeStatus;
import com.hazelcast.instance.impl.HazelcastInstanceProxy;
import java.util.concurrent.TimeUnit;

/**
 * Test-only look into Hazelcast's CP internals (the members run in this JVM). A CP group that lists a promoted
 * member is not yet safe against the next failure: until that member has received the group's log up to its
 * own addition, it cannot vote, and losing one of the two others leaves the group without a majority for good.
 */
final class CpProbe {
    private CpProbe() {
    }

    /**
     * True when {@code hz} is a CP member whose Raft node of every CP group runs, knows the group's leader and
     * has committed the membership that includes it.
     */
    static boolean caughtUp(HazelcastInstance hz) throws Exception {
        CPSubsystemManagementService cp = hz.getCPSubsystem().getCPSubsystemManagementService();
        if (cp.getLocalCPMember() == null) {
            return false;
        }
        RaftService raft = ((HazelcastInstanceProxy) hz).getOriginal().node.getNodeEngine()
                .getService(RaftService.SERVICE_NAME);
        for (CPGroupId id : cp.getCPGroupIds().toCompletableFuture().get(5, TimeUnit.SECONDS)) {
            RaftNode node = raft.getRaftNode(id);
            if (node == null || node.getStatus() != RaftNodeStatus.ACTIVE || node.getLeader() == null
                    || !node.getCommittedMembers().contains(node.getLocalMember())) {
                return false;
            }
        }
        return true;
    }
}
