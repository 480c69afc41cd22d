package io.gatehouse.cluster.internal.replication;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.gatehouse.api.log.LogEntry;
import io.gatehouse.cluster.internal.replication.Messages.Append;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.Test;

/**
 * Raft's "figure 8" with the commit register and epochs (docs/cluster.md, "Replication core: refinements",
 * first rule), step by step on a deterministic group of five voters. Appends carry one entry each
 * ({@code maxBatch} 1) so that an older-epoch entry can reach a majority while the no-op after it does not.
 *
 * <p>The register does not prevent figure 8 by itself: each leader's compare-and-set only expects the value
 * it last wrote, and a new leader's fence copies {@code (index, checksum)} without checking that the log it
 * adopts holds that entry. What prevents it is that a leader commits only up to an entry of its own epoch.
 * With that rule removed from {@code LeaderTerm.advance}, {@link #anOlderEpochEntryOnAMajorityIsNotCommittedByCounting}
 * fails: epoch 4 commits index 2 by counting, and epoch 5 then commits its own entry 2 over it.
 */
public class FigureEightTest {
    private static final Duration LONG = Duration.ofSeconds(30);
    private static final List<String> VOTERS = List.of("a", "b", "c", "d", "e");

    /**
     * Epochs 1 to 3 of figure 8. Afterwards: every node holds {@code 1@1} (committed); a and b hold a's
     * no-op {@code 2@2} (a led epoch 2, its probe answered by b and c, its appends reached only b); e holds
     * its own no-op {@code 2@3} (e led epoch 3 with c and d, its appends reached nobody). Nobody leads.
     */
    private static SimCluster upToEpochThree() {
        SimCluster c = new SimCluster(8, VOTERS, List.of(), cfg -> cfg.withLimits(1, cfg.maxPending())).start();
        c.elect("a", 1);
        assertTrue(c.runUntil(() -> c.ready("a") && c.converged("a"), LONG));

        c.net.partition(Map.of("d", 1, "e", 1));
        c.net.filter = (from, to, m) -> m instanceof Append && to.equals("c");
        c.elect("a", 2);
        assertTrue(c.runUntil(() -> c.log("b").lastIndex() == 2, LONG));
        c.replica("a").stepDown();
        c.clock.runFor(Duration.ofSeconds(1));

        c.net.partition(Map.of("a", 1, "b", 1));
        c.net.filter = (from, to, m) -> m instanceof Append && from.equals("e");
        c.elect("e", 3);
        assertTrue(c.runUntil(() -> c.log("e").lastIndex() == 2, LONG));
        c.replica("e").stepDown();
        c.clock.runFor(Duration.ofSeconds(1));

        assertEquals(2, at(c, "a", 2).epoch());
        assertEquals(at(c, "a", 2), at(c, "b", 2));
        assertEquals(1, c.log("c").lastIndex());
        assertEquals(1, c.log("d").lastIndex());
        assertEquals(3, at(c, "e", 2).epoch());
        for (String n : VOTERS) {
            assertEquals(n, 1, c.log(n).commitIndex());
        }
        assertEquals(1, c.register.value().orElseThrow().index());
        assertNoViolation(c);
        return c;
    }

    @Test
    public void anOlderEpochEntryOnAMajorityIsNotCommittedByCounting() throws Exception {
        SimCluster c = upToEpochThree();
        LogEntry old = at(c, "a", 2);

        // epoch 4: a leads again with b and c; its entry 2@2 reaches c (a majority: a, b, c), its no-op 3@4
        // reaches only b
        c.net.partition(Map.of("d", 1, "e", 1));
        c.net.filter = (from, to, m) -> m instanceof Append ap && to.equals("c")
                && !ap.entries().isEmpty() && ap.entries().get(ap.entries().size() - 1).index() >= 3;
        c.elect("a", 4);
        assertTrue(c.runUntil(() -> c.log("c").lastIndex() == 2 && c.log("b").lastIndex() == 3, LONG));
        c.clock.runFor(Duration.ofSeconds(2)); // time enough for a to commit, if it were going to
        assertEquals(old, at(c, "c", 2));
        assertEquals(4, at(c, "a", 3).epoch());
        assertEquals(2, c.log("c").lastIndex());
        long commitAtEpochFour = c.log("a").commitIndex();
        Optional<CommitPoint> registerAtEpochFour = c.register.value();
        c.replica("a").stepDown();
        c.clock.runFor(Duration.ofSeconds(1));

        // epoch 5: e leads with c and d; e's last entry 2@3 beats c's 2@2, so e keeps its own entry 2
        c.net.filter = null;
        c.net.partition(Map.of("a", 1, "b", 1));
        c.elect("e", 5);
        assertTrue(c.runUntil(() -> c.ready("e"), LONG));
        assertNoViolation(c);
        CompletableFuture<LogEntry> w = c.write("e", "w5");
        assertTrue(c.runUntil(w::isDone, LONG));
        LogEntry written = w.get();
        c.net.heal();
        assertTrue(c.runUntil(() -> c.converged("e"), LONG));
        assertNoViolation(c);

        // the rule itself: epoch 4 committed nothing, as its own no-op never reached a majority
        assertEquals(1, commitAtEpochFour);
        assertEquals(Optional.of(new CommitPoint(4, 1, at(c, "e", 1).checksum())), registerAtEpochFour);
        // what committed in the end, identical everywhere: 1@1, e's 2@3, e's no-op 3@5, the write
        LogEntry two = at(c, "e", 2);
        assertEquals(3, two.epoch());
        assertTrue(at(c, "e", 3).noop());
        assertEquals(5, at(c, "e", 3).epoch());
        assertEquals(4, written.index());
        for (String n : VOTERS) {
            assertEquals(n, 4, c.log(n).commitIndex());
            assertEquals(n, c.log("e").entries(), c.log(n).entries());
        }
        assertTrue(c.log("c").setAside().contains(old));
        assertEquals(two, c.history.get(2L));
    }

    @Test
    public void anOwnEpochEntryOnAMajorityCommitsTheOlderOneAndANewLeaderKeepsIt() throws Exception {
        SimCluster c = upToEpochThree();
        LogEntry old = at(c, "a", 2);

        // epoch 4: a leads again with b and c, and now its no-op 3@4 reaches a majority too
        c.net.partition(Map.of("d", 1, "e", 1));
        c.net.filter = null;
        c.elect("a", 4);
        assertTrue(c.runUntil(() -> c.ready("a"), LONG));
        CompletableFuture<LogEntry> w4 = c.write("a", "w4");
        assertTrue(c.runUntil(w4::isDone, LONG));
        LogEntry acked = w4.get();
        assertEquals(4, acked.index());
        assertEquals(4, c.log("a").commitIndex());
        assertEquals(4, c.register.value().orElseThrow().index());
        c.replica("a").stepDown();
        c.clock.runFor(Duration.ofSeconds(1));

        // epoch 5: e leads with c and d; c's last entry 4@4 beats e's 2@3, so e adopts c's log and drops 2@3
        LogEntry own = at(c, "e", 2);
        c.net.partition(Map.of("a", 1, "b", 1));
        c.elect("e", 5);
        assertTrue(c.runUntil(() -> c.ready("e"), LONG));
        assertNoViolation(c);
        c.net.heal();
        assertTrue(c.runUntil(() -> c.converged("e"), LONG));
        assertNoViolation(c);

        assertEquals(old, at(c, "e", 2));
        assertEquals(acked, at(c, "e", 4));
        assertTrue(at(c, "e", 5).noop());
        assertEquals(5, at(c, "e", 5).epoch());
        assertTrue(c.log("e").setAside().contains(own));
        for (String n : VOTERS) {
            assertEquals(n, 5, c.log(n).commitIndex());
            assertEquals(n, c.log("e").entries(), c.log(n).entries());
        }
        assertFalse(c.log("e").entries().contains(own));
    }

    private static LogEntry at(SimCluster c, String node, long index) {
        List<LogEntry> e = c.log(node).read(index, 1).entries();
        assertTrue(node + " has no entry " + index, !e.isEmpty() && e.get(0).index() == index);
        return e.get(0);
    }

    private static void assertNoViolation(SimCluster c) {
        assertTrue("an index was committed with two different entries: " + c.violations, c.violations.isEmpty());
    }
}
