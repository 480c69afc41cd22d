package io.gatehouse.itests;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
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
    private static final Duration RECOVERY = Duration.ofSeconds(120);

    private final ClusterHarness cluster;
    private final List<String> voters;
    private final String observer;
    private final Random random;
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
        int backInCp = cluster.logLines(target, BACK_IN_CP).size();
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
        recover(target, restarted && voters.contains(target), backInCp);
        record(target + " recovered in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
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
     * Waits until {@code node} names the group's leader without being stale, has applied what the leader had
     * committed, and, for a restarted voter, is back in the CP groups.
     */
    private void recover(String node, boolean restartedVoter, int backInCpBefore) throws Exception {
        cluster.awaitWritable(List.of(node), RECOVERY);
        if (restartedVoter) {
            org.awaitility.Awaitility.await(node + " is back in the CP groups").atMost(RECOVERY)
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> cluster.logLines(node, BACK_IN_CP).size() > backInCpBefore);
        }
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
