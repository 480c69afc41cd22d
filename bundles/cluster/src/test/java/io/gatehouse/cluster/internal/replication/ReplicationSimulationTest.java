package io.gatehouse.cluster.internal.replication;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.gatehouse.api.cluster.ConsensusException;
import io.gatehouse.api.log.LogEntry;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.junit.Test;

/**
 * Randomized simulation of a group (3 voters + 1 observer, and 5 voters + 1 observer) under message loss and
 * delay, partitions, pauses, crash-restarts, lost commit register answers, a full CP restart, snapshots with
 * compaction, and leadership moved by a lease-like driver with windows where the old leader still thinks it
 * leads. Deterministic for a seed (one thread, virtual time). At the end, with the faults healed, it checks
 * that every acknowledged write is in every node's log at its index with its checksum, that all committed
 * prefixes are identical, and that no index was ever committed with two different entries.
 */
public class ReplicationSimulationTest {
    private static final Duration LONG = Duration.ofSeconds(120);

    /** What one run did. */
    record Figures(long seed, int issued, int acked, Map<String, Integer> failed, int lostWithNode,
                   long commitIndex, int leaderships, long virtualMillis, long messages, long dropped, long casOk,
                   long casFailed) {
    }

    @Test
    public void threeVotersAndAnObserverKeepEveryAcknowledgedWrite() throws Exception {
        for (long seed : new long[] {20250101L, 1, 2, 3, 4}) {
            Figures f = run(seed, List.of("v1", "v2", "v3"), List.of("o1"), 250);
            System.out.println(f);
            assertTrue("seed " + seed + ": too few acknowledged writes " + f, f.acked() >= 50);
        }
    }

    @Test
    public void fiveVotersAndAnObserverKeepEveryAcknowledgedWrite() throws Exception {
        for (long seed : new long[] {20250105L, 7, 8}) {
            Figures f = run(seed, List.of("v1", "v2", "v3", "v4", "v5"), List.of("o1"), 250);
            System.out.println(f);
            assertTrue("seed " + seed + ": too few acknowledged writes " + f, f.acked() >= 50);
        }
    }

    @Test
    public void aRunIsDeterministicForItsSeed() throws Exception {
        Figures a = run(99, List.of("v1", "v2", "v3"), List.of("o1"), 120);
        Figures b = run(99, List.of("v1", "v2", "v3"), List.of("o1"), 120);
        assertEquals(a, b);
    }

    private Figures run(long seed, List<String> voters, List<String> observers, int writes) throws Exception {
        try {
            return simulate(seed, voters, observers, writes);
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError("simulation failed with seed " + seed + " (" + voters.size() + " voters): "
                    + e.getMessage(), e);
        }
    }

    private Figures simulate(long seed, List<String> voters, List<String> observers, int writes) throws Exception {
        SimCluster c = new SimCluster(seed, voters, observers).start();
        Random r = c.random;
        SimClock clock = c.clock;
        c.net.dropRate = 0.03;
        c.net.maxDelayNanos = Duration.ofMillis(20).toNanos();
        c.register.failRate = 0.03;
        List<String> all = new ArrayList<>(c.nodes.keySet());

        long[] epoch = {1};
        String[] leader = {voters.get(0)};
        int[] leaderships = {1};
        c.elect(leader[0], epoch[0]);
        long lastLeading = clock.now();

        Map<String, LogEntry> acked = new TreeMap<>();
        Map<String, Integer> failed = new TreeMap<>();
        List<CompletableFuture<LogEntry>> futures = new ArrayList<>();
        Map<CompletableFuture<LogEntry>, Replica> target = new HashMap<>();
        int issued = 0;
        long nextFault = clock.now() + ms(300);

        while (issued < writes) {
            clock.runFor(Duration.ofMillis(5 + r.nextInt(30)));
            String on = r.nextInt(10) == 0 ? all.get(r.nextInt(all.size())) : leader[0];
            if (!c.node(on).crashed) {
                String id = "w" + issued++;
                CompletableFuture<LogEntry> f = c.write(on, id);
                futures.add(f);
                target.put(f, c.replica(on));
                f.whenComplete((e, err) -> {
                    if (err == null) {
                        assertEquals(id, e.requestId());
                        acked.put(id, e);
                    } else {
                        failed.merge(((ConsensusException) err).reason().name(), 1, Integer::sum);
                    }
                });
            }
            // the lease: a leader that is gone or no longer leads is replaced after about a second
            SimCluster.Node ln = c.node(leader[0]);
            if (!ln.crashed && !ln.scheduler.paused() && ln.replica.status().leading()) {
                lastLeading = clock.now();
            } else if (clock.now() - lastLeading > ms(1000)) {
                moveLeadership(c, r, voters, epoch, leader, leaderships);
                lastLeading = clock.now();
            }
            if (clock.now() >= nextFault) {
                fault(c, r, voters, all, epoch, leader, leaderships);
                nextFault = clock.now() + ms(100 + r.nextInt(600));
            }
        }

        // heal everything, elect a final leader, let everything settle
        c.net.heal();
        c.net.dropRate = 0;
        c.register.failRate = 0;
        c.register.unavailable = false;
        for (SimCluster.Node n : c.nodes.values()) {
            if (n.crashed) {
                c.restart(n.name);
            } else if (n.scheduler.paused()) {
                n.scheduler.resume();
            }
        }
        moveLeadership(c, r, voters, epoch, leader, leaderships);
        String fin = leader[0];
        assertTrue("final leader ready", c.runUntil(() -> c.ready(fin), LONG));
        CompletableFuture<LogEntry> last = c.write(fin, "final");
        assertTrue("final write done", c.runUntil(last::isDone, LONG));
        acked.put("final", last.get());
        assertTrue("converged", c.runUntil(() -> c.converged(fin), LONG));
        // a write whose node crashed before answering is never answered (its client sees the connection drop)
        assertTrue("every write answered", c.runUntil(() -> futures.stream().allMatch(f -> f.isDone()
                || c.nodes.values().stream().noneMatch(n -> n.replica == target.get(f))), LONG));
        int lost = (int) futures.stream().filter(f -> !f.isDone()).count();

        // checks
        assertTrue(c.violations.toString(), c.violations.isEmpty());
        List<long[]> reference = SimCluster.fullHistory(c.log(fin));
        long commit = c.log(fin).commitIndex();
        assertEquals(commit, reference.size());
        for (SimCluster.Node n : c.nodes.values()) {
            List<long[]> h = SimCluster.fullHistory(n.log);
            assertEquals(n.name + " commit index", commit, n.log.commitIndex());
            assertEquals(n.name + " history length", reference.size(), h.size());
            for (int i = 0; i < h.size(); i++) {
                assertArrayEquals(n.name + " entry " + (i + 1), reference.get(i), h.get(i));
            }
        }
        for (LogEntry e : acked.values()) {
            long[] at = reference.get((int) e.index() - 1);
            assertEquals("acknowledged " + e + " epoch", e.epoch(), at[1]);
            assertEquals("acknowledged " + e + " checksum", e.checksum(), at[2]);
            LogEntry first = c.history.get(e.index());
            if (first != null) {
                assertEquals(e, first);
            }
        }
        return new Figures(seed, issued, acked.size() - 1, failed, lost, commit, leaderships[0],
                clock.now() / 1_000_000, c.net.sent, c.net.dropped, c.register.casOk, c.register.casFailed);
    }

    private static long ms(long millis) {
        return millis * 1_000_000;
    }

    /** The lease moves to a random live voter; the old leader learns it now, later, or never by the lease. */
    private static void moveLeadership(SimCluster c, Random r, List<String> voters, long[] epoch, String[] leader,
                                       int[] leaderships) {
        List<String> live = voters.stream().filter(v -> !c.node(v).crashed).toList();
        if (live.isEmpty()) {
            return;
        }
        String old = leader[0];
        String next = live.get(r.nextInt(live.size()));
        epoch[0] = Math.max(epoch[0], c.highestEpoch()) + 1;
        long e = epoch[0];
        leader[0] = next;
        leaderships[0]++;
        SimCluster.Node oldNode = c.node(old);
        if (!old.equals(next) && !oldNode.crashed) {
            int mode = r.nextInt(3);
            if (mode == 0) {
                oldNode.replica.stepDown();
            } else if (mode == 1) {
                Replica stale = oldNode.replica;
                c.clock.schedule(ms(r.nextInt(1000)), stale::stepDown); // overlapping window
            }
        }
        c.node(next).replica.lead(e);
        for (SimCluster.Node n : c.nodes.values()) {
            if (!n.crashed && !n.name.equals(next)) {
                Replica rep = n.replica;
                c.clock.schedule(ms(r.nextInt(100)), () -> rep.leaderIs(next, e));
            }
        }
    }

    private static void fault(SimCluster c, Random r, List<String> voters, List<String> all, long[] epoch,
                              String[] leader, int[] leaderships) throws IOException {
        String victim = all.get(r.nextInt(all.size()));
        SimCluster.Node n = c.node(victim);
        switch (r.nextInt(9)) {
            case 0, 1 -> moveLeadership(c, r, voters, epoch, leader, leaderships);
            case 2 -> {
                if (!n.crashed) {
                    c.crash(victim);
                    c.clock.schedule(ms(200 + r.nextInt(2000)), () -> {
                        if (c.node(victim).crashed) {
                            c.restart(victim);
                        }
                    });
                }
            }
            case 3 -> {
                if (!n.crashed && !n.scheduler.paused()) {
                    n.scheduler.pause();
                    c.clock.schedule(ms(100 + r.nextInt(1500)), n.scheduler::resume);
                }
            }
            case 4 -> {
                Map<String, Integer> sides = new HashMap<>();
                for (String m : all) {
                    sides.put(m, r.nextInt(2));
                }
                c.net.partition(sides);
                c.clock.schedule(ms(200 + r.nextInt(2000)), c.net::heal);
            }
            case 5 -> {
                if (!n.crashed && n.log.commitIndex() > 0) {
                    c.snapshot(victim, 3 + r.nextInt(20));
                }
            }
            case 6 -> {
                c.net.dropRate = 0.3;
                c.clock.schedule(ms(500 + r.nextInt(1000)), () -> c.net.dropRate = 0.03);
            }
            case 7 -> {
                if (r.nextInt(4) == 0) {
                    c.register.wipe(); // every CP member restarted: the lease is gone too
                    moveLeadership(c, r, voters, epoch, leader, leaderships);
                } else {
                    c.register.unavailable = true;
                    c.clock.schedule(ms(100 + r.nextInt(800)), () -> c.register.unavailable = false);
                }
            }
            default -> {
                // a quiet period
            }
        }
    }
}
