package io.gatehouse.cluster.internal;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.awaitility.Awaitility.await;
import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.gatehouse.api.cluster.ClusterStatus;
import io.gatehouse.api.cluster.MemberState;
import io.gatehouse.api.cluster.MemberStatus;
import io.gatehouse.api.cluster.Role;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

/** A group of two voters (no CP subsystem, static leader) and an observer: membership, messaging, secret. */
public class StaticGroupTest {
    private TestNodes nodes;
    private GroupMember n1;
    private GroupMember n2;
    private GroupMember o1;

    @Before
    public void startGroup() {
        nodes = new TestNodes("static" + TestNodes.freePort()).ports("n1", "n2", "o1");
        n1 = nodes.start("n1", "voter", "n1,n2");
        n2 = nodes.start("n2", "voter", "n1,n2");
        o1 = nodes.start("o1", "observer", "n1,n2");
        for (GroupMember m : List.of(n1, n2, o1)) {
            await().atMost(20, SECONDS).until(() -> alive(m, "n1", "n2", "o1"));
        }
    }

    @After
    public void stopGroup() {
        nodes.close();
    }

    private static boolean alive(GroupMember m, String... names) {
        List<MemberStatus> members = m.status().members();
        for (String n : names) {
            if (members.stream().noneMatch(s -> s.name().equals(n) && s.state() == MemberState.ALIVE)) {
                return false;
            }
        }
        return true;
    }

    private static MemberState state(GroupMember m, String name) {
        return m.status().members().stream().filter(s -> s.name().equals(name)).map(MemberStatus::state)
                .findFirst().orElse(null);
    }

    private static MessagingException failure(java.util.concurrent.CompletableFuture<byte[]> f) throws Exception {
        try {
            f.get(10, SECONDS);
            fail("expected a failure");
            return null;
        } catch (ExecutionException e) {
            assertTrue(String.valueOf(e.getCause()), e.getCause() instanceof MessagingException);
            return (MessagingException) e.getCause();
        }
    }

    @Test
    public void formsTheGroupWithAStaticLeaderAndALiteObserver() {
        assertTrue(o1.hazelcast().getCluster().getLocalMember().isLiteMember());
        assertFalse(n1.hazelcast().getCluster().getLocalMember().isLiteMember());
        assertEquals(n1.settings().clusterName() + ".default", n1.hazelcast().getConfig().getClusterName());
        assertFalse(n1.leadership().usesLease());
        await().atMost(5, SECONDS).until(() -> n1.leadership().leadingEpoch().isPresent());
        assertEquals(1L, n1.leadership().leadingEpoch().getAsLong());
        assertTrue(n2.leadership().leadingEpoch().isEmpty());
        assertTrue(o1.leadership().leadingEpoch().isEmpty());
        for (GroupMember m : List.of(n1, n2, o1)) {
            await().atMost(5, SECONDS).until(() -> "n1".equals(m.status().leader()));
            ClusterStatus s = m.status();
            assertEquals(List.of("n1", "n2", "o1"), s.members().stream().map(MemberStatus::name).toList());
            assertEquals(Role.OBSERVER, s.members().get(2).role());
            assertFalse(s.reason(), s.stale());
        }
        assertTrue(n1.status().leading());
        assertTrue(n1.commitRegister().isEmpty());
        // a raised floor starts a new static leadership with a higher epoch
        n1.leadership().raiseEpochFloor(7);
        assertEquals(8L, n1.leadership().leadingEpoch().getAsLong());
    }

    @Test
    public void requestResponseWithDeadlines() throws Exception {
        n2.messaging().register("echo", m -> (m.sender() + ":" + new String(m.payload(), StandardCharsets.UTF_8))
                .getBytes(StandardCharsets.UTF_8));
        byte[] answer = n1.messaging().request("n2", "echo", "hi".getBytes(StandardCharsets.UTF_8),
                Duration.ofSeconds(5)).get(10, SECONDS);
        assertArrayEquals("n1:hi".getBytes(StandardCharsets.UTF_8), answer);
        // the observer can be asked too, and a node can ask itself
        o1.messaging().register("echo", m -> m.payload());
        assertArrayEquals(new byte[] {7}, n2.messaging().request("o1", "echo", new byte[] {7}, Duration.ofSeconds(5))
                .get(10, SECONDS));
        n1.messaging().register("echo", m -> m.payload());
        assertArrayEquals(new byte[] {8}, n1.messaging().request("n1", "echo", new byte[] {8}, Duration.ofSeconds(5))
                .get(10, SECONDS));

        CountDownLatch release = new CountDownLatch(1);
        n2.messaging().register("slow", m -> {
            release.await(10, SECONDS);
            return new byte[0];
        });
        long t0 = System.nanoTime();
        MessagingException slow = failure(n1.messaging().request("n2", "slow", new byte[0], Duration.ofMillis(300)));
        long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        release.countDown();
        assertEquals(MessagingException.Reason.TIMEOUT, slow.reason());
        assertTrue("timed out after " + took + " ms", took >= 290 && took < 2000);

        n2.messaging().register("boom", m -> {
            throw new IllegalStateException("kaput");
        });
        MessagingException boom = failure(n1.messaging().request("n2", "boom", new byte[0], Duration.ofSeconds(5)));
        assertEquals(MessagingException.Reason.HANDLER_FAILED, boom.reason());
        assertTrue(boom.getMessage(), boom.getMessage().contains("kaput"));
        assertEquals(MessagingException.Reason.NO_HANDLER,
                failure(n1.messaging().request("n2", "nobody", new byte[0], Duration.ofSeconds(5))).reason());
        assertEquals(MessagingException.Reason.UNKNOWN_MEMBER,
                failure(n1.messaging().request("n9", "echo", new byte[0], Duration.ofSeconds(5))).reason());
    }

    @Test
    public void relaysThroughAnotherMemberWhenDirectDeliveryFails() throws Exception {
        n2.messaging().register("echo", m -> m.payload());
        n1.internalMessaging().breakDirectLinks(Set.of("n2", "o1")::contains);
        assertEquals(MessagingException.Reason.UNREACHABLE,
                failure(n1.messaging().request("n2", "echo", new byte[] {1}, Duration.ofSeconds(5))).reason());
        n1.internalMessaging().breakDirectLinks("n2"::equals);
        assertArrayEquals(new byte[] {2}, n1.messaging().request("n2", "echo", new byte[] {2}, Duration.ofSeconds(5))
                .get(10, SECONDS));
    }

    @Test
    public void lamportClocksOrderMessagesAndMembershipEvents() throws Exception {
        AtomicLong seenStamp = new AtomicLong();
        AtomicLong receiverClock = new AtomicLong();
        n2.messaging().register("stamp", m -> {
            seenStamp.set(m.lamport());
            receiverClock.set(n2.clock().now());
            return new byte[0];
        });
        long before = n1.clock().now();
        n1.messaging().request("n2", "stamp", new byte[0], Duration.ofSeconds(5)).get(10, SECONDS);
        assertTrue(seenStamp.get() > before);
        assertTrue("receive after send", receiverClock.get() > seenStamp.get());
        assertTrue("the answer advances the sender", n1.clock().now() > receiverClock.get());

        // o1 leaves gracefully: its "leaving" carries its clock; n1 records "left" after it, in Lamport order
        long o1Clock = o1.clock().now();
        o1.stop();
        await().atMost(5, SECONDS).until(() -> state(n1, "o1") == MemberState.LEFT);
        await().during(2500, TimeUnit.MILLISECONDS).atMost(5, SECONDS).until(() -> state(n1, "o1") == MemberState.LEFT);
        MemberEvent left = n1.events().stream().filter(e -> e.member().equals("o1") && e.kind().equals("left"))
                .findFirst().orElseThrow();
        assertTrue(left.lamport() > o1Clock);
        for (GroupMember m : List.of(n1, n2)) {
            List<MemberEvent> events = m.events();
            for (int i = 1; i < events.size(); i++) {
                assertTrue(events.toString(), events.get(i).lamport() > events.get(i - 1).lamport());
            }
        }
    }

    @Test
    public void aSilentMemberIsSuspectAndACrashedOneDead() {
        // o1 stops answering and sending liveness messages while its Hazelcast member stays in the cluster
        long t0 = System.nanoTime();
        o1.internalMessaging().stop();
        await().atMost(3, SECONDS).until(() -> state(n1, "o1") == MemberState.SUSPECT);
        long suspect = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue("suspect after " + suspect + " ms", suspect >= 500);
        assertEquals(MemberState.ALIVE, state(n1, "n2"));

        t0 = System.nanoTime();
        o1.kill();
        await().atMost(10, SECONDS).until(() -> state(n1, "o1") == MemberState.DEAD);
        long dead = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue("dead after " + dead + " ms", dead < 6000);
        assertTrue(n1.events().stream().anyMatch(e -> e.member().equals("o1") && e.kind().equals("dead")));
        System.out.println("suspect after " + suspect + " ms of silence, dead " + dead + " ms after the kill");
    }

    @Test
    public void aMemberWithAnotherSecretIsRefusedAndNeverTrusted() {
        GroupMember bad = nodes.start("x1", "observer", "n1,n2", "another-secret-9876543210", Map.of());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (!GroupMember.REFUSED_REASON.equals(bad.status().reason())) {
            for (GroupMember m : List.of(n1, n2, o1)) {
                assertNull("x1 listed by " + m.settings().nodeName(), state(m, "x1"));
                assertNull(m.messaging().request("x1", "echo", new byte[0], Duration.ofMillis(100))
                        .handle((v, t) -> t instanceof MessagingException me
                                && me.reason() == MessagingException.Reason.UNKNOWN_MEMBER ? null : "reachable").join());
            }
            assertTrue("x1 was not refused in time", System.nanoTime() < deadline);
            Thread.onSpinWait();
        }
        assertTrue(bad.status().stale());
        await().atMost(10, SECONDS).until(() -> !bad.hazelcast().getLifecycleService().isRunning());
        await().atMost(10, SECONDS).until(() -> n1.hazelcast().getCluster().getMembers().size() == 3);
        for (GroupMember m : List.of(n1, n2, o1)) {
            assertNull(state(m, "x1"));
            // refused when its wrong answer arrived first, else removed (it left first) without ever being trusted
            await().atMost(5, SECONDS).until(() -> m.events().stream().anyMatch(e -> e.member().equals("x1")
                    && (e.kind().equals("refused") || e.kind().equals("removed"))));
            assertTrue(m.events().stream().noneMatch(e -> e.member().equals("x1") && e.kind().equals("trusted")));
        }
    }
}
