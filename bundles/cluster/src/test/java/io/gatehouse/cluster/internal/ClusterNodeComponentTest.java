package io.gatehouse.cluster.internal;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.ArgumentMatchers.isNull;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.timeout;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import io.gatehouse.api.cluster.ClusterStatus;
import io.gatehouse.api.cluster.MemberState;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.After;
import org.junit.Test;
import org.mockito.ArgumentCaptor;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

/** The DS component: invalid configuration fails activation; a node without peers starts alone, quickly. */
public class ClusterNodeComponentTest {
    private ClusterNodeComponent component;

    @After
    public void deactivate() {
        if (component != null) {
            component.deactivate();
        }
    }

    @Test
    public void invalidConfigurationFailsActivationNamingTheKey() {
        Map<String, String> p = Map.of("lease.takeover", "500ms", "secret", TestNodes.SECRET);
        try {
            new ClusterNodeComponent().activate(mock(BundleContext.class), TestNodes.config(p), Map.copyOf(p));
            fail("activated");
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage(), e.getMessage().startsWith("lease.takeover: must be longer than lease.stepDown"));
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    public void aFailedStartIsTriedAgainUntilTheMemberJoins() throws Exception {
        BundleContext context = mock(BundleContext.class);
        ServiceRegistration<ClusterNode> registration = mock(ServiceRegistration.class);
        when(context.registerService(eq(ClusterNode.class), any(ClusterNode.class), isNull())).thenReturn(registration);
        AtomicInteger attempts = new AtomicInteger();
        // as Hazelcast does when the cluster refuses the join for a moment (its state locked by a merge)
        ClusterNodeComponent.MemberStarter flaky = (s, secret, loader, lost) -> {
            if (attempts.incrementAndGet() < 3) {
                throw new IllegalStateException("Node failed to start!");
            }
            return GroupMember.start(s, secret, loader, lost);
        };
        component = new ClusterNodeComponent(flaky, Duration.ofMillis(100));
        Map<String, String> p = solo();
        component.activate(context, TestNodes.config(p), Map.copyOf(p));
        verify(context, timeout(30_000)).registerService(eq(ClusterNode.class), any(ClusterNode.class), isNull());
        assertEquals(3, attempts.get());
    }

    @Test
    @SuppressWarnings("unchecked")
    public void aMemberThatLostItsCpMembershipIsReplacedByANewOne() throws Exception {
        BundleContext context = mock(BundleContext.class);
        List<ServiceRegistration<ClusterNode>> registrations = new CopyOnWriteArrayList<>();
        List<ClusterNode> registered = new CopyOnWriteArrayList<>();
        when(context.registerService(eq(ClusterNode.class), any(ClusterNode.class), isNull())).thenAnswer(i -> {
            ServiceRegistration<ClusterNode> r = mock(ServiceRegistration.class);
            registrations.add(r);
            registered.add(i.getArgument(1));
            return r;
        });
        List<Runnable> lostCallbacks = new CopyOnWriteArrayList<>();
        ClusterNodeComponent.MemberStarter starter = (s, secret, loader, lost) -> {
            lostCallbacks.add(lost);
            return GroupMember.start(s, secret, loader, lost);
        };
        component = new ClusterNodeComponent(starter, Duration.ofMillis(100));
        Map<String, String> p = solo();
        component.activate(context, TestNodes.config(p), Map.copyOf(p));
        org.awaitility.Awaitility.await().atMost(30, SECONDS).until(() -> registered.size() == 1);
        GroupMember first = (GroupMember) registered.get(0);
        Object firstUuid = first.hazelcast().getCluster().getLocalMember().getUuid();

        lostCallbacks.get(0).run(); // what the CP repair does when this voter's CP member was removed while it ran
        org.awaitility.Awaitility.await().atMost(60, SECONDS).until(() -> registered.size() == 2);
        verify(registrations.get(0)).unregister();
        assertFalse("the first member was stopped", first.hazelcast().getLifecycleService().isRunning());
        GroupMember second = (GroupMember) registered.get(1);
        assertTrue(second.hazelcast().getLifecycleService().isRunning());
        assertNotEquals("a new Hazelcast member", firstUuid, second.hazelcast().getCluster().getLocalMember().getUuid());

        lostCallbacks.get(0).run(); // a late report from the member already replaced changes nothing
        component.deactivate();
        component = null;
        verify(registrations.get(1), timeout(1000)).unregister();
        assertEquals(2, registered.size());
    }

    private static Map<String, String> solo() {
        return Map.of("node.name", "solo", "bind.port", Integer.toString(TestNodes.freePort()),
                "secret", TestNodes.SECRET, "cluster.name", "solo" + TestNodes.freePort());
    }

    @Test
    @SuppressWarnings("unchecked")
    public void aNodeWithoutPeersIsAOneNodeClusterThatStartsQuickly() throws Exception {
        BundleContext context = mock(BundleContext.class);
        ServiceRegistration<ClusterNode> registration = mock(ServiceRegistration.class);
        CompletableFuture<Long> registeredAt = new CompletableFuture<>();
        when(context.registerService(eq(ClusterNode.class), any(ClusterNode.class), isNull())).thenAnswer(i -> {
            registeredAt.complete(System.nanoTime());
            return registration;
        });
        Map<String, String> p = Map.of("node.name", "solo", "bind.port", Integer.toString(TestNodes.freePort()),
                "secret", TestNodes.SECRET, "cluster.name", "solo" + TestNodes.freePort());
        component = new ClusterNodeComponent();
        long t0 = System.nanoTime();
        component.activate(context, TestNodes.config(p), Map.copyOf(p));
        long startMillis = (registeredAt.get(30, SECONDS) - t0) / 1_000_000;
        ArgumentCaptor<ClusterNode> node = ArgumentCaptor.forClass(ClusterNode.class);
        verify(context).registerService(eq(ClusterNode.class), node.capture(), isNull());
        org.awaitility.Awaitility.await().atMost(5, SECONDS).until(() -> node.getValue().status().leading());
        ClusterStatus s = node.getValue().status();
        assertEquals("solo", s.node());
        assertEquals("solo", s.leader());
        assertFalse(s.reason(), s.stale());
        assertEquals(1, s.members().size());
        assertEquals(MemberState.ALIVE, s.members().get(0).state());
        System.out.println("one-node cluster registered after " + startMillis + " ms");
        assertTrue("took " + startMillis + " ms", startMillis < 15_000);
        component.deactivate();
        component = null;
        verify(registration, timeout(1000)).unregister();
    }

    @Test
    @SuppressWarnings("unchecked")
    public void aMemberThatHazelcastShutsDownByItselfIsStartedAgain() throws Exception {
        BundleContext context = mock(BundleContext.class);
        java.util.List<ClusterNode> registered = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.List<ServiceRegistration<ClusterNode>> registrations = new java.util.concurrent.CopyOnWriteArrayList<>();
        when(context.registerService(eq(ClusterNode.class), any(ClusterNode.class), isNull())).thenAnswer(i -> {
            ServiceRegistration<ClusterNode> r = mock(ServiceRegistration.class);
            registrations.add(r);
            registered.add(i.getArgument(1)); // last: the test waits on this list, then reads the other
            return r;
        });
        Map<String, String> p = Map.of("node.name", "phoenix", "bind.port", Integer.toString(TestNodes.freePort()),
                "secret", TestNodes.SECRET, "cluster.name", "phoenix" + TestNodes.freePort());
        component = new ClusterNodeComponent();
        component.activate(context, TestNodes.config(p), Map.copyOf(p));
        org.awaitility.Awaitility.await().atMost(30, SECONDS).until(() -> registered.size() == 1);
        GroupMember first = (GroupMember) registered.get(0);
        // what Hazelcast does after a failed CP discovery or merge: it terminates its own instance
        first.hazelcast().getLifecycleService().terminate();
        verify(registrations.get(0), timeout(10_000)).unregister();
        org.awaitility.Awaitility.await().atMost(60, SECONDS).until(() -> registered.size() == 2);
        GroupMember second = (GroupMember) registered.get(1);
        assertTrue(second.hazelcast().getLifecycleService().isRunning());
        org.awaitility.Awaitility.await().atMost(10, SECONDS).until(() -> second.status().leading());
        assertTrue(first.events().stream().anyMatch(e -> e.kind().equals("lost")));
        component.deactivate();
        component = null;
        verify(registrations.get(1), timeout(1000)).unregister();
        assertFalse(second.hazelcast().getLifecycleService().isRunning());
        assertEquals("no third start after deactivation", 2, registered.size());
    }

    @Test
    @SuppressWarnings("unchecked")
    public void aMemberReportedLostAfterHazelcastHasShutItDownCompletelyIsStartedAgain() throws Exception {
        BundleContext context = mock(BundleContext.class);
        List<ClusterNode> registered = new CopyOnWriteArrayList<>();
        when(context.registerService(eq(ClusterNode.class), any(ClusterNode.class), isNull())).thenAnswer(i -> {
            registered.add(i.getArgument(1));
            return mock(ServiceRegistration.class);
        });
        // the order a slow machine produced in CI: the shutdown completes (the instance's proxy then throws on
        // every call) before the starter thread stops the old member; the restart was lost with the exception
        List<Thread> reporters = new CopyOnWriteArrayList<>();
        ClusterNodeComponent.MemberStarter late = (s, secret, loader, lost) -> {
            String name = HazelcastMembers.config(s, loader).getInstanceName();
            return GroupMember.start(s, secret, loader, () -> {
                Thread t = new Thread(() -> {
                    org.awaitility.Awaitility.await().atMost(30, SECONDS)
                            .until(() -> com.hazelcast.core.Hazelcast.getHazelcastInstanceByName(name) == null);
                    lost.run();
                });
                reporters.add(t);
                t.start();
            });
        };
        component = new ClusterNodeComponent(late, Duration.ofMillis(100));
        Map<String, String> p = solo();
        component.activate(context, TestNodes.config(p), Map.copyOf(p));
        org.awaitility.Awaitility.await().atMost(30, SECONDS).until(() -> registered.size() == 1);
        GroupMember first = (GroupMember) registered.get(0);
        first.hazelcast().getLifecycleService().terminate();
        org.awaitility.Awaitility.await().atMost(30, SECONDS).until(() -> registered.size() == 2);
        assertTrue(((GroupMember) registered.get(1)).hazelcast().getLifecycleService().isRunning());
        for (Thread t : reporters) {
            t.join(1000);
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    public void aMemberWhoseNodeHazelcastEndsWithoutALifecycleEventIsStartedAgain() throws Exception {
        BundleContext context = mock(BundleContext.class);
        List<ClusterNode> registered = new CopyOnWriteArrayList<>();
        when(context.registerService(eq(ClusterNode.class), any(ClusterNode.class), isNull())).thenAnswer(i -> {
            registered.add(i.getArgument(1));
            return mock(ServiceRegistration.class);
        });
        Map<String, String> p = solo();
        component = new ClusterNodeComponent(GroupMember::start, Duration.ofMillis(100));
        component.activate(context, TestNodes.config(p), Map.copyOf(p));
        org.awaitility.Awaitility.await().atMost(30, SECONDS).until(() -> registered.size() == 1);
        GroupMember first = (GroupMember) registered.get(0);
        // what Hazelcast does after a failed CP discovery ("Terminating forcefully"): the node itself, no event
        ((com.hazelcast.instance.impl.HazelcastInstanceProxy) first.hazelcast()).getOriginal().node.shutdown(true);
        org.awaitility.Awaitility.await().atMost(60, SECONDS).until(() -> registered.size() == 2);
        assertTrue(first.events().stream().anyMatch(e -> e.kind().equals("lost")));
        assertTrue(((GroupMember) registered.get(1)).hazelcast().getLifecycleService().isRunning());
    }
}
