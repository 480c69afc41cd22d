package io.gatehouse.cluster.internal;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.awaitility.Awaitility.await;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;

import com.hazelcast.cp.CPMember;
import com.hazelcast.cp.CPSubsystemManagementService;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.After;
import org.junit.Test;

/**
 * A voter whose CP member the others remove while it runs (what the survivors do to a voter paused past
 * {@code deadAfter}, which then merges back with a new member UUID but its old CP identity, seen by ClusterFaultIT)
 * reports it so that its owner restarts the member; a new member of that voter is promoted to every CP group
 * again. Before the watch, nothing noticed: the group stayed with two CP members for good, and the next fault of
 * another voter left the CP groups without a majority.
 */
public class CpMemberLossTest {
    private TestNodes nodes;
    private final Map<String, GroupMember> current = new ConcurrentHashMap<>();

    @After
    public void stop() {
        if (nodes != null) {
            nodes.close();
        }
    }

    @Test
    public void aVoterWhoseCpMemberWasRemovedWhileItRunsAsksForARestartAndANewMemberIsPromoted() {
        nodes = new TestNodes("loss" + TestNodes.freePort()).ports("n1", "n2", "n3");
        AtomicInteger lost = new AtomicInteger();
        for (String n : new String[] {"n1", "n2", "n3"}) {
            Runnable report = n.equals("n3") ? lost::incrementAndGet : () -> { };
            current.put(n, nodes.start(n, "voter", "n1,n2,n3", TestNodes.SECRET, Map.of(), report));
        }
        GroupMember n3 = current.get("n3");
        await().atMost(60, SECONDS).until(() -> n3.cpRepairState().orElseThrow() == CpMemberRepair.State.DONE);
        CPMember n3Cp = cp(n3).getLocalCPMember();
        assertNotNull(n3Cp);

        // the survivors' removal, while n3 runs
        cp(current.get("n1")).removeCPMember(n3Cp.getUuid()).toCompletableFuture().join();
        await().atMost(30, SECONDS).until(() -> lost.get() == 1);
        assertEquals(CpMemberRepair.State.REMOVED, n3.cpRepairState().orElseThrow());

        // the owner's part: the member stops and a new one starts, and is promoted again
        n3.stop();
        GroupMember back = nodes.start("n3", "voter", "n1,n2,n3");
        await().atMost(90, SECONDS).until(() -> back.cpRepairState().orElseThrow() == CpMemberRepair.State.DONE);
        await().atMost(30, SECONDS).until(() -> cp(current.get("n1")).getCPMembers().toCompletableFuture()
                .get(5, SECONDS).size() == 3);
        assertEquals(1, lost.get());
    }

    private static CPSubsystemManagementService cp(GroupMember m) {
        return m.hazelcast().getCPSubsystem().getCPSubsystemManagementService();
    }
}
