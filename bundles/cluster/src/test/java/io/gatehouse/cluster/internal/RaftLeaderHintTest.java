package io.gatehouse.cluster.internal;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.awaitility.Awaitility.await;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import com.hazelcast.cp.CPGroupId;
import com.hazelcast.cp.CPMember;
import com.hazelcast.cp.internal.RaftService;
import com.hazelcast.cp.internal.raft.impl.RaftNode;
import com.hazelcast.instance.impl.HazelcastInstanceProxy;
import com.hazelcast.spi.impl.operationservice.impl.RaftInvocationContext;
import java.lang.reflect.Method;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.After;
import org.junit.Test;

/**
 * The hint works on the pinned Hazelcast (its reflection resolves) and does what it is for: a cached CP Raft
 * leader that is not the Raft leader any more (what a SIGSTOPped leader leaves behind) is corrected from the
 * local Raft node's view within a few periods, on every voter.
 */
public class RaftLeaderHintTest {
    private TestNodes nodes;
    private final Map<String, GroupMember> current = new ConcurrentHashMap<>();

    @After
    public void stop() {
        if (nodes != null) {
            nodes.close();
        }
    }

    @Test
    public void aStaleCachedRaftLeaderIsReplacedByTheRaftNodesOwnView() throws Exception {
        nodes = new TestNodes("hint" + TestNodes.freePort()).ports("n1", "n2", "n3");
        for (String n : List.of("n1", "n2", "n3")) {
            current.put(n, nodes.start(n, "voter", "n1,n2,n3"));
        }
        await().atMost(90, SECONDS).until(() -> current.values().stream()
                .allMatch(m -> m.cpRepairState().orElseThrow() == CpMemberRepair.State.DONE)
                && current.values().stream().anyMatch(m -> m.status().leading()));
        for (GroupMember m : current.values()) {
            RaftLeaderHint hint = m.raftLeaderHint().orElseThrow();
            RaftService raft = raft(m);
            RaftNode node = raft.getAllRaftNodes().iterator().next();
            CPGroupId group = node.getGroupId();
            await().atMost(30, SECONDS).until(() -> node.getLeader() != null && hint.known(group) != null
                    && hint.known(group).getUuid().equals(node.getLeader().getUuid()));
            // point the cache at a member that does not lead the group: what a paused leader leaves behind
            CPMember wrong = null;
            for (CPMember c : m.hazelcast().getCPSubsystem().getCPSubsystemManagementService().getCPMembers()
                    .toCompletableFuture().get(10, SECONDS)) {
                if (!c.getUuid().equals(node.getLeader().getUuid())) {
                    wrong = c;
                }
            }
            assertNotNull(wrong);
            setKnown(raft.getInvocationManager().getRaftInvocationContext(), group, wrong);
            hint.refresh(); // what the member's 20 ms task does; checked at once, before a CP reply corrects it
            assertEquals(node.getLeader().getUuid(), hint.known(group).getUuid());
            assertNotEquals(wrong.getUuid(), hint.known(group).getUuid());
        }
        assertTrue(current.values().stream().allMatch(m -> m.raftLeaderHint().isPresent()));
    }

    private static RaftService raft(GroupMember m) {
        return ((HazelcastInstanceProxy) m.hazelcast()).getOriginal().node.getNodeEngine()
                .getService(RaftService.SERVICE_NAME);
    }

    private static void setKnown(RaftInvocationContext context, CPGroupId group, CPMember member) throws Exception {
        Method set = RaftInvocationContext.class.getDeclaredMethod("setKnownLeader", CPGroupId.class, CPMember.class);
        set.setAccessible(true);
        set.invoke(context, group, member);
    }
}
