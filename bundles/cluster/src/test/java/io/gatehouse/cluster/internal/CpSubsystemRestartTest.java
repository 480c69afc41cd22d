package io.gatehouse.cluster.internal;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.awaitility.Awaitility.await;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import com.hazelcast.cp.CPSubsystemManagementService;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.After;
import org.junit.Test;

/**
 * Two of three voters crash at once and come back: the CP METADATA group lost its majority for good (the
 * survivor cannot remove the old CP members, the new ones cannot be promoted), so the group would never have a
 * leader again. The master restarts the CP subsystem once every voter is back, and the group leads and commits
 * again (before, it never did).
 */
public class CpSubsystemRestartTest {
    private static final String VOTERS = "n1,n2,n3";
    private TestNodes nodes;
    private final Map<String, GroupMember> current = new ConcurrentHashMap<>();

    @After
    public void stop() {
        if (nodes != null) {
            nodes.close();
        }
    }

    @Test
    public void aGroupThatLostTheMajorityOfItsCpMembersLeadsAndCommitsAgainAfterTheMastersCpRestart() {
        Map<String, String> fast = Map.of("cp.restartAfter", "5s");
        startGroup("cpr", fast);
        String first = awaitOneLeader();
        CommitRegister.CommitPoint before = new CommitRegister.CommitPoint(3, 7, "cafe");
        assertTrue(cas(current.get(first), null, before));

        // n2 and n3 crash together; n1 (the oldest member, the master) survives alone
        current.remove("n2").kill();
        current.remove("n3").kill();
        current.put("n2", nodes.start("n2", "voter", VOTERS, TestNodes.SECRET, fast));
        current.put("n3", nodes.start("n3", "voter", VOTERS, TestNodes.SECRET, fast));

        // the master restarts the CP subsystem once; the three voters form new CP groups and one leads
        await().atMost(120, SECONDS).until(() -> current.get("n1").cpRestarts() == 1);
        String leader = awaitOneLeader();
        for (GroupMember m : current.values()) {
            await().atMost(60, SECONDS).until(() -> m.cpRepairState().orElseThrow() == CpMemberRepair.State.DONE);
        }
        // the CP state was wiped (the durable logs carry the configuration): the commit register starts empty
        // and takes a commit point through the proxies made before the restart
        GroupMember l = current.get(leader);
        assertEquals(Optional.empty(), l.commitRegister().orElseThrow().get(Duration.ofSeconds(10)).join());
        CommitRegister.CommitPoint after = new CommitRegister.CommitPoint(9, 1, "beef");
        assertTrue(cas(l, null, after));
        assertEquals(Optional.of(after), current.get("n2").commitRegister().orElseThrow()
                .get(Duration.ofSeconds(10)).join());
        assertTrue(current.get("n1").events().stream().anyMatch(e -> e.kind().equals("cp-restart")));
        assertEquals(0, current.get("n2").cpRestarts() + current.get("n3").cpRestarts());
    }

    /**
     * ClusterFaultIT (seed 282117856): a leader's SIGSTOP split the group in three; the survivors removed the CP
     * member of a voter that was only cut off (n3 here), then a voter that merged back (n1) was replaced, and its
     * graceful shutdown removed its own CP member from CP groups of two, which Hazelcast does only in its list of
     * active CP members: the CP groups kept needing it, without a majority for good. The master, the only member
     * that may restart the CP subsystem, was the observer, which did not watch: no leader for over two minutes.
     */
    @Test
    public void anObserverThatIsTheMasterRestartsTheCpSubsystemOfAGroupWithoutAMajority() throws Exception {
        Map<String, String> fast = Map.of("cp.restartAfter", "5s");
        nodes = new TestNodes("cpo" + TestNodes.freePort()).ports("o1", "n1", "n2", "n3");
        // the observer joins first: the oldest member is Hazelcast's master
        GroupMember observer = nodes.start("o1", "observer", VOTERS, TestNodes.SECRET, fast);
        for (String n : List.of("n1", "n2", "n3")) {
            current.put(n, nodes.start(n, "voter", VOTERS, TestNodes.SECRET, fast));
        }
        awaitOneLeader();
        for (GroupMember m : current.values()) {
            await().atMost(60, SECONDS).until(() -> m.cpRepairState().orElseThrow() == CpMemberRepair.State.DONE);
        }

        // the survivors' removal of n3's CP member while n3 runs: CP groups of two
        CPSubsystemManagementService survivor = cp(current.get("n2"));
        survivor.removeCPMember(cp(current.get("n3")).getLocalCPMember().getUuid()).toCompletableFuture()
                .get(30, SECONDS);
        await().atMost(30, SECONDS).until(() -> survivor.getCPMembers().toCompletableFuture().get(5, SECONDS)
                .size() == 2);
        // n1 is replaced (it merged back): its graceful shutdown takes its CP member out of the active list only
        current.remove("n1").stop();
        current.remove("n3").kill();
        current.put("n1", nodes.start("n1", "voter", VOTERS, TestNodes.SECRET, fast));
        current.put("n3", nodes.start("n3", "voter", VOTERS, TestNodes.SECRET, fast));

        // the observer, still the master, restarts the CP subsystem; the voters are CP members again and one leads
        await().atMost(120, SECONDS).until(() -> observer.cpRestarts() == 1);
        awaitOneLeader();
        for (GroupMember m : current.values()) {
            await().atMost(60, SECONDS).until(() -> m.cpRepairState().orElseThrow() == CpMemberRepair.State.DONE);
        }
        assertTrue(observer.events().stream().anyMatch(e -> e.kind().equals("cp-restart")));
        assertEquals(0, current.values().stream().mapToInt(GroupMember::cpRestarts).sum());
    }

    @Test
    public void aVoterWhoseMemberIsNotACpMemberIsOutsideObserversAndAnEmptyListCountForNothing() {
        java.util.UUID n1 = java.util.UUID.randomUUID();
        java.util.UUID n2 = java.util.UUID.randomUUID();
        java.util.UUID n3 = java.util.UUID.randomUUID();
        java.util.UUID oldN3 = java.util.UUID.randomUUID();
        List<com.hazelcast.cluster.Member> members = List.of(member("n1", n1, false), member("n2", n2, false),
                member("n3", n3, false), member("o1", java.util.UUID.randomUUID(), true));
        // n3 came back as a new member; the CP groups still list its previous incarnation
        assertEquals(java.util.Set.of("n3"), CpSubsystemRestart.votersOutsideCp(members,
                List.of(cpMember(n1), cpMember(n2), cpMember(oldN3)), Map.of()));
        assertEquals(java.util.Set.of(), CpSubsystemRestart.votersOutsideCp(members,
                List.of(cpMember(n1), cpMember(n2), cpMember(n3)), Map.of()));
        assertEquals(java.util.Set.of(), CpSubsystemRestart.votersOutsideCp(members, List.of(), Map.of()));
        // n3 was promoted back: a CP member UUID of its own, which it published
        java.util.UUID promoted = java.util.UUID.randomUUID();
        assertEquals(java.util.Set.of("n3"), CpSubsystemRestart.votersOutsideCp(members,
                List.of(cpMember(n1), cpMember(n2), cpMember(promoted)), Map.of()));
        assertEquals(java.util.Set.of(), CpSubsystemRestart.votersOutsideCp(members,
                List.of(cpMember(n1), cpMember(n2), cpMember(promoted)), Map.of(n3.toString(), promoted.toString())));
    }

    private static com.hazelcast.cluster.Member member(String name, java.util.UUID uuid, boolean lite) {
        com.hazelcast.cluster.Member m = org.mockito.Mockito.mock(com.hazelcast.cluster.Member.class);
        org.mockito.Mockito.when(m.getUuid()).thenReturn(uuid);
        org.mockito.Mockito.when(m.isLiteMember()).thenReturn(lite);
        org.mockito.Mockito.when(m.getAttribute(HazelcastMembers.ATTR_NODE)).thenReturn(name);
        return m;
    }

    private static com.hazelcast.cp.CPMember cpMember(java.util.UUID uuid) {
        com.hazelcast.cp.CPMember m = org.mockito.Mockito.mock(com.hazelcast.cp.CPMember.class);
        org.mockito.Mockito.when(m.getUuid()).thenReturn(uuid);
        return m;
    }

    private void startGroup(String name, Map<String, String> extra) {
        nodes = new TestNodes(name + TestNodes.freePort()).ports("n1", "n2", "n3");
        for (String n : List.of("n1", "n2", "n3")) {
            current.put(n, nodes.start(n, "voter", VOTERS, TestNodes.SECRET, extra));
        }
    }

    /** Waits until every current member names the same leader, which says it leads; returns it. */
    private String awaitOneLeader() {
        await().atMost(90, SECONDS).pollInterval(Duration.ofMillis(100)).until(() -> {
            String l = current.get("n1").status().leader();
            return l != null && current.values().stream().allMatch(m -> l.equals(m.status().leader()))
                    && current.get(l).status().leading();
        });
        return current.get("n1").status().leader();
    }

    private static CPSubsystemManagementService cp(GroupMember m) {
        return m.hazelcast().getCPSubsystem().getCPSubsystemManagementService();
    }

    private static boolean cas(GroupMember m, CommitRegister.CommitPoint expected, CommitRegister.CommitPoint next) {
        return m.commitRegister().orElseThrow().compareAndSet(expected, next, Duration.ofSeconds(10)).join();
    }
}
