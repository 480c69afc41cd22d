package io.gatehouse.cluster.internal;

import static org.junit.Assert.assertEquals;

import com.hazelcast.core.LifecycleEvent;
import com.hazelcast.instance.impl.LifecycleServiceImpl;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.After;
import org.junit.Test;

/**
 * A member that merged back into its cluster after a split asks its owner, once, to be replaced: Hazelcast gave it
 * a new member UUID while its messaging (which signs with the old one), secret check and membership view (which
 * never hears the members it merged with join) stay with the old one. ClusterFaultIT saw such a voter take the lease
 * after a 3.5 s SIGSTOP and stay "taking over" for two minutes (its probes reached nobody) while renewing the lease,
 * so no other voter took over. The merge is Hazelcast's own lifecycle event, fired here on a real member.
 */
public class MergedMemberRestartTest {
    private TestNodes nodes;

    @After
    public void stop() {
        if (nodes != null) {
            nodes.close();
        }
    }

    @Test
    public void aMemberThatMergedAfterASplitAsksOnceToBeRestarted() {
        nodes = new TestNodes("merged" + TestNodes.freePort());
        AtomicInteger restarts = new AtomicInteger();
        GroupMember m = nodes.start("solo", "voter", "solo", TestNodes.SECRET, Map.of(), restarts::incrementAndGet);
        LifecycleServiceImpl lifecycle = (LifecycleServiceImpl) m.hazelcast().getLifecycleService();

        lifecycle.fireLifecycleEvent(LifecycleEvent.LifecycleState.MERGING);
        assertEquals("merging is not merged yet", 0, restarts.get());
        lifecycle.fireLifecycleEvent(LifecycleEvent.LifecycleState.MERGED);
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> restarts.get() == 1);
        lifecycle.fireLifecycleEvent(LifecycleEvent.LifecycleState.MERGED);
        m.stop();
        assertEquals("asked once", 1, restarts.get());
    }

    @Test
    public void aStoppingMemberDoesNotAskForARestart() {
        nodes = new TestNodes("merged" + TestNodes.freePort());
        AtomicInteger restarts = new AtomicInteger();
        GroupMember m = nodes.start("solo", "voter", "solo", TestNodes.SECRET, Map.of(), restarts::incrementAndGet);
        LifecycleServiceImpl lifecycle = (LifecycleServiceImpl) m.hazelcast().getLifecycleService();
        m.stop();
        lifecycle.fireLifecycleEvent(LifecycleEvent.LifecycleState.MERGED);
        assertEquals(0, restarts.get());
    }
}
