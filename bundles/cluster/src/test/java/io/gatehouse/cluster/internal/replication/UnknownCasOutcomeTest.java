package io.gatehouse.cluster.internal.replication;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.gatehouse.api.cluster.ConsensusException;
import io.gatehouse.api.cluster.ConsensusException.Reason;
import io.gatehouse.api.log.LogEntry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.Test;

/**
 * A leader whose commit compare-and-set times out (outcome unknown) and which is deposed before it learns
 * the outcome (docs/cluster.md, "Unknown CAS outcome"). The leader is paused while another voter takes over,
 * so that the order of events is fixed. Its entry was on a majority when it tried to commit it, so every
 * later leader adopts it: by the end the entry is committed on every voter, at the same index. The old
 * leader's client learns the commit when the register shows it, and is told TIMEOUT (may have committed),
 * never a definite failure, when the register has moved past the entry.
 */
public class UnknownCasOutcomeTest {
    private static final Duration LONG = Duration.ofSeconds(30);
    private static final List<String> VOTERS = List.of("a", "b", "c");

    private static SimCluster ledByA() {
        SimCluster c = new SimCluster(11, VOTERS, List.of()).start();
        c.elect("a", 1);
        assertTrue(c.runUntil(() -> c.ready("a") && c.converged("a"), LONG));
        return c;
    }

    /** a's CAS for its write (entry 2, on every voter) took effect, but a never got the answer. */
    private static LogEntry casTookEffectButItsAnswerIsLost(SimCluster c) {
        c.register.answersLost = true;
        assertTrue(c.runUntil(() -> c.register.value().orElseThrow().index() == 2, LONG));
        LogEntry entry = at(c, "a", 2);
        assertEquals(Optional.of(new CommitPoint(1, 2, entry.checksum())), c.register.value());
        c.register.answersLost = false; // a's operations in flight keep their answers lost
        return entry;
    }

    @Test
    public void aCasThatTookEffectStaysCommittedWhenItsLeaderIsDeposedBeforeLearningIt() throws Exception {
        SimCluster c = ledByA();
        CompletableFuture<LogEntry> w = c.write("a", "w");
        LogEntry entry = casTookEffectButItsAnswerIsLost(c);

        depose(c, () -> { });
        // b fenced a's commit point and committed its no-op after it: a cannot tell whether its CAS happened
        assertEquals(Optional.of(new CommitPoint(2, 3, at(c, "b", 3).checksum())), c.register.value());
        assertCommittedEverywhere(c, entry);
        assertTrue(c.runUntil(w::isDone, LONG));
        assertEquals("the old leader's own CAS committed the entry", Reason.TIMEOUT, reason(w));
    }

    @Test
    public void aDeposedLeaderThatFindsItsCommitPointFencedReportsTheCommit() throws Exception {
        SimCluster c = ledByA();
        CompletableFuture<LogEntry> w = c.write("a", "w");
        LogEntry entry = casTookEffectButItsAnswerIsLost(c);

        // b fences the register while it can reach nobody: a finds (2, 2, its checksum) there, so its CAS happened
        depose(c, () -> {
            c.net.partition(Map.of("a", 1, "b", 2, "c", 3));
            assertTrue(c.runUntil(() -> c.register.value().orElseThrow().epoch() == 2, LONG));
            assertEquals(Optional.of(new CommitPoint(2, 2, entry.checksum())), c.register.value());
            c.node("a").scheduler.resume();
            assertTrue(c.runUntil(w::isDone, LONG));
            c.net.partition(Map.of("a", 1));
        });
        assertEquals(entry, w.get());
        assertCommittedEverywhere(c, entry);
    }

    @Test
    public void aCasThatNeverHappenedLeavesTheEntryToTheNextLeader() throws Exception {
        SimCluster c = ledByA();
        CommitPoint before = c.register.value().orElseThrow();
        c.register.unavailable = true;
        CompletableFuture<LogEntry> w = c.write("a", "w");
        assertTrue(c.runUntil(() -> c.log("b").lastIndex() == 2 && c.log("c").lastIndex() == 2, LONG));
        c.clock.runFor(Duration.ofMillis(100)); // the acknowledgements reach a, which tries its CAS
        LogEntry entry = at(c, "a", 2);
        assertEquals(Optional.of(before), c.register.value());

        c.register.unavailable = false;
        depose(c, () -> { });
        // b fenced the value a expected, so a's CAS can no longer happen; b commits a's entry with its no-op
        assertEquals(Optional.of(new CommitPoint(2, 3, at(c, "b", 3).checksum())), c.register.value());

        assertCommittedEverywhere(c, entry);
        assertTrue(c.runUntil(w::isDone, LONG));
        // a cannot tell this from the first test: the register moved on past its entry
        assertEquals(Reason.TIMEOUT, reason(w));
    }

    /**
     * Pauses a (its CAS outcome still unknown), gives b the lease with epoch 2, runs {@code meanwhile}, lets b
     * take over without a, then resumes a and heals the network.
     */
    private static void depose(SimCluster c, Runnable meanwhile) {
        c.node("a").scheduler.pause();
        c.net.partition(Map.of("a", 1));
        c.elect("b", 2);
        meanwhile.run();
        assertTrue(c.runUntil(() -> c.ready("b"), LONG));
        c.node("a").scheduler.resume();
        c.net.heal();
        assertTrue(c.runUntil(() -> c.converged("b") && !c.replica("a").status().leading(), LONG));
    }

    private static void assertCommittedEverywhere(SimCluster c, LogEntry entry) {
        assertTrue("an index was committed with two different entries: " + c.violations, c.violations.isEmpty());
        for (String n : VOTERS) {
            assertTrue(n, c.log(n).commitIndex() >= entry.index());
            assertEquals(n, entry, at(c, n, entry.index()));
        }
        assertEquals(entry, c.history.get(entry.index()));
    }

    private static LogEntry at(SimCluster c, String node, long index) {
        List<LogEntry> e = c.log(node).read(index, 1).entries();
        assertTrue(node + " has no entry " + index, !e.isEmpty() && e.get(0).index() == index);
        return e.get(0);
    }

    private static Reason reason(CompletableFuture<LogEntry> f) {
        ExecutionException e = assertThrows(ExecutionException.class, f::get);
        return ((ConsensusException) e.getCause()).reason();
    }
}
