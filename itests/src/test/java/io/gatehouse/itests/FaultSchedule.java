package io.gatehouse.itests;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A seeded random schedule of faults on a {@link ClusterHarness}: SIGSTOP/SIGCONT (short, or past the lease and
 * the failure detector), kill -9 and start again, graceful restart, of the leader, another voter or the observer.
 * One fault at a time, and a voter is faulted only once the previous one has recovered (it names the leader, is
 * not stale, has caught up and, after a restart, is back in the CP groups), so a majority of the voters, and of
 * the CP members, always stays. Driven by one thread ({@link #step}); writers read {@link #randomLive} from others.
 */
final class FaultSchedule {
    /** Logged by a restarted voter once every CP group lists it again (CpMemberRepair). */
    static final String BACK_IN_CP = "This voter is back in the CP groups";
    /** Logged by a cluster node that replaces its Hazelcast member (ClusterNodeComponent). */
    static final String NEW_MEMBER = "with a new Hazelcast member";
    private static final Duration RECOVERY = Duration.ofSeconds(120);
    /**
     * After a pause, how long the schedule waits before it looks whether the others removed the node's CP member:
     * they do it lease.takeover + lease.stepDown (1.8 s) after its member left, and a paused member merges back
     * at Hazelcast's next merge round (every 5 s).
     */
    private static final Duration SETTLE = Duration.ofSeconds(8);

    private final ClusterHarness cluster;
    private final List<String> voters;
    private final String observer;
    private final Random random;
    private final ObjectMapper json = new ObjectMapper();
    private final Set<String> live = ConcurrentHashMap.newKeySet();
    private final List<String> log = Collections.synchronizedList(new ArrayList<>());
    private final long start = System.nanoTime();
    private int faults;

    FaultSchedule(ClusterHarness cluster, List<String> voters, String observer, Random random) {
        this.cluster = cluster;
        this.voters = List.copyOf(voters);
        this.observer = observer;
        this.random = random;
        live.addAll(cluster.names());
    }

    /** A node that is neither stopped nor paused now (any node when none is). Any thread. */
    String randomLive(Random r) {
        List<String> nodes = new ArrayList<>(live);
        Collections.sort(nodes);
        if (nodes.isEmpty()) {
            nodes = cluster.names();
        }
        return nodes.get(r.nextInt(nodes.size()));
    }

    int faults() {
        return faults;
    }

    /** What was done, with times since the schedule began. */
    List<String> log() {
        synchronized (log) {
            return List.copyOf(log);
        }
    }

    /** A quiet gap, then one fault, then waits until the faulted node has recovered. */
    void step() throws Exception {
        hold(Duration.ofMillis(500 + random.nextInt(2000))); // the gap between faults
        String target;
        boolean leader = false;
        if (random.nextInt(5) == 0) {
            target = observer;
        } else if (random.nextBoolean()) {
            target = cluster.leaderOf(randomLive(random));
            leader = !target.isEmpty();
            if (!leader) {
                target = voters.get(random.nextInt(voters.size()));
            }
        } else {
            target = voters.get(random.nextInt(voters.size()));
        }
        String who = target + (leader ? " (leader)" : "");
        Map<String, CpMarks> marks = cpMarksOfVoters();
        boolean restarted = false;
        int kind = random.nextInt(10);
        live.remove(target);
        faults++;
        if (kind < 3) {
            long pause = 300 + random.nextInt(1200);
            record("SIGSTOP " + who + " for " + pause + " ms");
            pauseFor(target, pause);
        } else if (kind < 6) {
            long pause = 3000 + random.nextInt(5000);
            record("SIGSTOP " + who + " for " + pause + " ms (past the lease and the failure detector)");
            pauseFor(target, pause);
        } else if (kind < 9) {
            long down = 500 + random.nextInt(3500);
            record("kill -9 " + who + ", down " + down + " ms");
            cluster.kill(target);
            hold(Duration.ofMillis(down));
            cluster.start(target);
            restarted = true;
        } else {
            record("graceful restart of " + who);
            cluster.restart(target);
            restarted = true;
        }
        live.add(target);
        long t0 = System.nanoTime();
        recover(target, restarted ? target : null, marks);
        record(target + " recovered in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
    }

    /** How often the node was back in the CP groups, and how often the others removed its CP member, so far. */
    /**
     * What a voter's own log says so far: how often it was back in the CP groups, and how often its cluster node
     * replaced its Hazelcast member (it merged back after a split, or its CP member was removed while it ran): a
     * new member is promoted to the CP groups again. Only the node's own log counts: a member that joins replays
     * the CP membership history into its log.
     */
    record CpMarks(int backInCp, int memberRestarts) {
    }

    CpMarks cpMarks(String node) throws IOException {
        return new CpMarks(cluster.logLines(node, BACK_IN_CP).size(), cluster.logLines(node, NEW_MEMBER).size());
    }

    /** {@link #cpMarks} of every voter. */
    Map<String, CpMarks> cpMarksOfVoters() throws IOException {
        Map<String, CpMarks> marks = new LinkedHashMap<>();
        for (String v : voters) {
            marks.put(v, cpMarks(v));
        }
        return marks;
    }

    /**
     * Waits until the group is whole again: every node sees every member alive (a member cut off by the failure
     * detector merges back only at a later merge round), and every voter that left the CP groups since
     * {@code before} is back in them: {@code restarted} (a voter restarted by the schedule, or null), and any voter
     * whose cluster node replaced its member (the target of a pause, or a bystander the failure detector removed
     * under load). Until then the CP groups have a member less, and one more fault would leave them without a
     * majority. The replacement follows the merge: it is looked for after {@link #SETTLE}.
     */
    void awaitCpHealed(Map<String, CpMarks> before, String restarted) throws Exception {
        if (restarted != null && voters.contains(restarted)) {
            awaitBackInCp(restarted, before.get(restarted));
        }
        hold(SETTLE);
        awaitWholeMembership();
        for (String v : voters) {
            if (!v.equals(restarted) && cpMarks(v).memberRestarts() > before.get(v).memberRestarts()) {
                awaitBackInCp(v, before.get(v));
            }
        }
    }

    /** True when {@code node}'s cluster node replaced its member since {@code before}. */
    boolean replacedSince(String node, Map<String, CpMarks> before) throws IOException {
        return cpMarks(node).memberRestarts() > before.get(node).memberRestarts();
    }

    /** Waits until every node's {@code /api/v1/cluster} lists every node of the group alive or suspect. */
    void awaitWholeMembership() {
        Map<String, String> seen = new LinkedHashMap<>();
        try {
            org.awaitility.Awaitility.await("every node sees every member").atMost(RECOVERY)
                    .pollInterval(Duration.ofMillis(500)).until(() -> {
                        boolean whole = true;
                        for (String n : cluster.names()) {
                            Set<String> up = new java.util.TreeSet<>();
                            try {
                                var r = cluster.get(n, "/cluster");
                                if (r.statusCode() == 200) {
                                    for (var m : json.readTree(r.body()).path("members")) {
                                        String state = m.path("state").asText();
                                        if (state.equals("alive") || state.equals("suspect")) {
                                            up.add(m.path("name").asText());
                                        }
                                    }
                                }
                            } catch (IOException e) {
                                // not answering: not whole
                            }
                            seen.put(n, up.toString());
                            whole &= up.containsAll(cluster.names());
                        }
                        return whole;
                    });
        } catch (RuntimeException e) {
            throw new AssertionError("the group did not become whole again within " + RECOVERY + ": " + seen, e);
        }
    }

    /**
     * Waits until {@code node} is listed by every CP group again, then lets {@link #SETTLE} pass: a CP group lists a
     * promoted member before it has received the group's log, and until it has, the loss of another member leaves
     * the group without a majority for good (docs/cluster.md, "The window after a promotion"); how long that takes
     * cannot be seen from outside.
     */
    private void awaitBackInCp(String node, CpMarks before) throws InterruptedException {
        org.awaitility.Awaitility.await(node + " is back in the CP groups").atMost(RECOVERY)
                .pollInterval(Duration.ofMillis(500))
                .until(() -> cluster.logLines(node, BACK_IN_CP).size() > before.backInCp());
        hold(SETTLE);
    }

    private void pauseFor(String node, long millis) throws Exception {
        cluster.pause(node);
        try {
            hold(Duration.ofMillis(millis));
        } finally {
            cluster.resume(node);
        }
    }

    /**
     * Waits until {@code node} names the group's leader without being stale, is back in the CP groups if it had
     * left them (a voter restarted, or paused long enough for the others to remove its CP member), and has applied
     * what the leader had committed.
     */
    private void recover(String node, String restarted, Map<String, CpMarks> before) throws Exception {
        cluster.awaitWritable(List.of(node), RECOVERY);
        awaitCpHealed(before, restarted);
        cluster.awaitWritable(cluster.names(), RECOVERY);
        String leader = cluster.leaderOf(node);
        if (!leader.isEmpty()) {
            long commit = cluster.health(leader).path("commitIndex").asLong(0);
            cluster.awaitApplied(List.of(node), commit, RECOVERY);
        }
    }

    /**
     * Lets {@code time} pass: how long a node stays stopped or paused, the gap between two faults, the pace of a
     * stream of writes. The one sleep of the fault tests, and not a wait for a condition (those use Awaitility).
     */
    @SuppressWarnings("noSleepInTests")
    static void hold(Duration time) throws InterruptedException {
        if (!time.isNegative() && !time.isZero()) {
            Thread.sleep(time.toMillis());
        }
    }

    /** Resumes paused nodes and starts stopped ones (after the schedule, or when it failed). */
    void healAll() throws Exception {
        List<String> down = new ArrayList<>();
        for (String n : cluster.names()) {
            ClusterNode node = cluster.node(n);
            if (node.alive() && node.paused()) {
                cluster.resume(n);
            } else if (!node.alive()) {
                down.add(n);
            }
        }
        if (!down.isEmpty()) {
            cluster.start(down.toArray(String[]::new));
        }
        live.addAll(cluster.names());
    }

    private void record(String what) {
        log.add(String.format("+%.1fs %s", (System.nanoTime() - start) / 1e9, what));
    }
}
