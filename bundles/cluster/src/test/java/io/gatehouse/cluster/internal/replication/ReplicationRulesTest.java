package io.gatehouse.cluster.internal.replication;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.gatehouse.api.cluster.ConsensusException;
import io.gatehouse.api.cluster.ConsensusException.Reason;
import io.gatehouse.api.log.Change;
import io.gatehouse.api.log.LogEntry;
import io.gatehouse.api.log.Operation;
import io.gatehouse.cluster.internal.replication.Messages.Append;
import io.gatehouse.cluster.internal.replication.Messages.AppendReply;
import io.gatehouse.cluster.internal.replication.Messages.Probe;
import io.gatehouse.cluster.internal.replication.Messages.ProbeReply;
import io.gatehouse.cluster.internal.replication.Messages.Status;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.Test;

/** One test per replication rule of docs/cluster.md, on the deterministic simulated group. */
public class ReplicationRulesTest {
    private static final Instant T = Instant.parse("2025-01-01T00:00:00Z");
    private static final Duration LONG = Duration.ofSeconds(30);

    // ---- follower rules, directly

    private static LogEntry entry(long index, long epoch, String id) {
        return LogEntry.of(index, epoch, T, id, List.of(new Change(Operation.DELETE, "route", id, null)));
    }

    private static MemoryOperationLog logWith(LogEntry... entries) throws IOException {
        MemoryOperationLog log = new MemoryOperationLog("f", () -> T);
        log.appendEntries(List.of(entries));
        return log;
    }

    @Test
    public void olderEpochIsRefusedAndTheNewerOneIsKept() throws IOException {
        MemoryOperationLog log = logWith(entry(1, 1, "a"));
        Follower f = new Follower("f", log, () -> 0);
        long highest = log.observeEpoch(5);
        ProbeReply probe = f.onProbe(new Probe(3), highest);
        assertEquals(Status.STALE_EPOCH, probe.status());
        assertEquals(5, probe.epoch());
        AppendReply r = f.onAppend(new Append(3, 1, 1, 1, List.of(entry(2, 3, "b")), 0, 0, 0), highest);
        assertEquals(Status.STALE_EPOCH, r.status());
        assertEquals(1, log.lastIndex());
        assertEquals(0, log.commitIndex());
    }

    @Test
    public void aProbeIsAnsweredWithTheLogAfterItsEpochIsRecorded() throws Exception {
        SimCluster c = new SimCluster(1, List.of("a", "b", "c"), List.of()).start();
        c.runUntil(() -> false, Duration.ofMillis(10));
        c.elect("a", 7);
        assertTrue(c.runUntil(() -> c.ready("a"), LONG));
        assertEquals(7, c.log("b").highestEpoch());
        assertEquals(7, c.log("c").highestEpoch());
    }

    @Test
    public void aConflictingUncommittedSuffixIsDropped() throws IOException {
        MemoryOperationLog log = logWith(entry(1, 1, "a"), entry(2, 1, "b"), entry(3, 1, "c"));
        log.commitTo(1);
        Follower f = new Follower("f", log, () -> 0);
        LogEntry replacement = entry(2, 2, "x");
        AppendReply r = f.onAppend(new Append(2, 1, 1, 1, List.of(replacement), 0, 0, 0), 2);
        assertEquals(Status.OK, r.status());
        assertEquals(2, r.matchIndex());
        assertEquals(List.of(entry(1, 1, "a"), replacement), log.entries());
        assertEquals(2, log.setAside().size());
    }

    @Test
    public void aMismatchAtPrevIndexIsRefusedAndAStaleShortAppendTruncatesNothing() throws IOException {
        MemoryOperationLog log = logWith(entry(1, 1, "a"), entry(2, 1, "b"), entry(3, 1, "c"));
        Follower f = new Follower("f", log, () -> 0);
        assertEquals(Status.MISMATCH, f.onAppend(new Append(2, 2, 2, 0, List.of(), 0, 0, 0), 2).status());
        assertEquals(Status.MISMATCH, f.onAppend(new Append(2, 5, 1, 0, List.of(), 0, 0, 0), 2).status());
        AppendReply r = f.onAppend(new Append(1, 1, 1, 2, List.of(entry(2, 1, "b")), 0, 0, 0), 1);
        assertEquals(Status.OK, r.status());
        assertEquals(3, log.lastIndex());
        assertEquals(2, log.commitIndex());
    }

    @Test
    public void committedEntriesAreNeverTruncated() throws IOException {
        MemoryOperationLog log = logWith(entry(1, 1, "a"), entry(2, 1, "b"));
        log.commitTo(2);
        Follower f = new Follower("f", log, () -> 0);
        // a (wrong) leader claims another entry 2: committed entries are kept as they are
        AppendReply r = f.onAppend(new Append(3, 1, 1, 2, List.of(entry(2, 3, "z")), 0, 0, 0), 3);
        assertEquals(Status.OK, r.status());
        assertEquals(entry(2, 1, "b"), log.read(2, 1).entries().get(0));
        assertThrows(IllegalStateException.class, () -> log.truncateAfter(1));
    }

    @Test
    public void theCommitIndexFollowsOnlyTheMatchingPrefix() throws IOException {
        MemoryOperationLog log = logWith(entry(1, 1, "a"), entry(2, 1, "b"), entry(3, 1, "c"));
        Follower f = new Follower("f", log, () -> 0);
        // leader at epoch 2 has committed up to 5, but only entry 1 is known to match here
        AppendReply r = f.onAppend(new Append(2, 1, 1, 5, List.of(), 0, 0, 0), 2);
        assertEquals(Status.OK, r.status());
        assertEquals(1, log.commitIndex());
    }

    // ---- leader rules, on the simulated group

    private static SimCluster led(List<String> voters, List<String> observers, String leader) {
        SimCluster c = new SimCluster(42, voters, observers).start();
        if (!voters.get(0).equals(leader) || voters.size() > 2) {
            c.elect(leader, 1);
        }
        assertTrue("leader ready", c.runUntil(() -> c.ready(leader), LONG));
        return c;
    }

    private static LogEntry await(SimCluster c, CompletableFuture<LogEntry> f) throws Exception {
        assertTrue("write completed", c.runUntil(f::isDone, LONG));
        return f.get();
    }

    private static Reason failure(SimCluster c, CompletableFuture<LogEntry> f) {
        assertTrue("write completed", c.runUntil(f::isDone, LONG));
        ExecutionException e = assertThrows(ExecutionException.class, f::get);
        return ((ConsensusException) e.getCause()).reason();
    }

    @Test
    public void aNewLeaderCommitsANoopAtItsEpochFirst() throws Exception {
        SimCluster c = led(List.of("a", "b", "c"), List.of(), "b");
        LogEntry noop = c.log("b").read(1, 1).entries().get(0);
        assertTrue(noop.noop());
        assertEquals(1, noop.epoch());
        assertEquals(1, c.log("b").commitIndex());
        assertEquals(Optional.of(new CommitPoint(1, 1, noop.checksum())), c.register.value());
        LogEntry w = await(c, c.write("b", "r1"));
        assertEquals(2, w.index());
        assertEquals("r1", w.requestId());
    }

    @Test
    public void aCommitNeedsAMajorityOfVoters() throws Exception {
        SimCluster c = led(List.of("a", "b", "c"), List.of(), "a");
        c.net.partition(Map.of("a", 0, "b", 1, "c", 1));
        assertEquals(Reason.TIMEOUT, failure(c, c.write("a", "r1")));
        assertEquals(1, c.log("a").commitIndex());
        // after the majority window the leader refuses at once
        assertEquals(Reason.NO_MAJORITY, failure(c, c.write("a", "r2")));
        c.net.heal();
        c.clock.runFor(Duration.ofSeconds(1)); // virtual time: the leader hears its followers again
        LogEntry w = await(c, c.write("a", "r3"));
        assertTrue(c.runUntil(() -> c.converged("a"), LONG));
        assertEquals(w.checksum(), c.log("c").read(w.index(), 1).entries().get(0).checksum());
    }

    @Test
    public void observersAreNeverCountedAndGetOnlyCommittedEntries() throws Exception {
        SimCluster c = led(List.of("a", "b", "c"), List.of("o1", "o2"), "a");
        await(c, c.write("a", "r1"));
        assertTrue(c.runUntil(() -> c.converged("a"), LONG));
        c.crash("b");
        c.crash("c");
        CompletableFuture<LogEntry> f = c.write("a", "r2");
        boolean[] sawUncommitted = new boolean[1];
        c.runUntil(() -> {
            sawUncommitted[0] |= c.log("o1").lastIndex() > c.log("a").commitIndex();
            return f.isDone();
        }, LONG);
        assertFalse("observer got an uncommitted entry", sawUncommitted[0]);
        assertEquals(Reason.TIMEOUT, failure(c, f));
        assertEquals(3, c.log("a").lastIndex());
        assertEquals(2, c.log("o1").lastIndex());
        c.restart("b");
        assertTrue(c.runUntil(() -> c.log("o2").commitIndex() == 3, LONG));
    }

    @Test
    public void aDeposedLeaderCannotCommitBecauseTheRegisterMoved() throws Exception {
        SimCluster c = led(List.of("a", "b", "c"), List.of(), "a");
        // another leader fenced the register; a's followers have not heard of it yet
        c.register.set(Optional.of(new CommitPoint(2, 1, 0)));
        assertEquals(Reason.DEPOSED, failure(c, c.write("a", "r1")));
        assertFalse(c.replica("a").status().leading());
        assertEquals(1, c.log("a").commitIndex());
    }

    @Test
    public void aLeaderSeeingANewerEpochStepsDown() throws Exception {
        SimCluster c = led(List.of("a", "b", "c"), List.of(), "a");
        c.replica("b").lead(2); // the lease moved; a was not told: b's probe tells it
        assertTrue(c.runUntil(() -> c.ready("b"), LONG));
        assertFalse(c.replica("a").status().leading());
        assertEquals(2, c.log("a").highestEpoch());
        ExecutionException e = assertThrows(ExecutionException.class, () -> await(c, c.write("a", "r1")));
        assertEquals("b", ((ConsensusException) e.getCause()).leader());
        assertEquals(2, await(c, c.write("b", "r2")).epoch());
    }

    @Test
    public void anIsolatedOldLeaderStillLeadingHasItsWriteRefused() throws Exception {
        SimCluster c = led(List.of("a", "b", "c"), List.of(), "a");
        c.net.partition(Map.of("a", 1));
        CompletableFuture<LogEntry> old = c.write("a", "r1"); // a still thinks it leads
        c.replica("b").lead(2);
        c.replica("c").leaderIs("b", 2);
        assertTrue(c.runUntil(() -> c.ready("b"), LONG));
        assertTrue(c.replica("a").status().leading());
        c.net.heal();
        assertEquals(Reason.DEPOSED, failure(c, old));
        assertTrue(c.runUntil(() -> c.converged("b"), LONG));
        assertTrue(c.log("a").entries().stream().noneMatch(x -> x.requestId().equals("r1")));
        assertTrue(c.log("a").setAside().stream().anyMatch(x -> x.requestId().equals("r1")));
    }

    @Test
    public void aNewLeaderAdoptsTheMostAdvancedLogOfAMajority() throws Exception {
        SimCluster c = led(List.of("a", "b", "c"), List.of(), "a");
        c.net.partition(Map.of("c", 1));
        List<LogEntry> acked = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            acked.add(await(c, c.write("a", "r" + i)));
        }
        assertEquals(1, c.log("c").lastIndex());
        c.crash("a");
        c.net.heal();
        c.elect("c", 2); // c has the shortest log: it must fetch b's
        assertTrue(c.runUntil(() -> c.ready("c"), LONG));
        for (LogEntry e : acked) {
            assertEquals(e, c.log("c").read(e.index(), 1).entries().get(0));
        }
        LogEntry noop = c.log("c").read(7, 1).entries().get(0);
        assertTrue(noop.noop());
        assertEquals(2, noop.epoch());
        assertTrue(c.violations.toString(), c.violations.isEmpty());
    }

    @Test
    public void aNewLeaderWhoseAdoptedLogLacksTheRegistersEntryRefusesToLead() throws Exception {
        for (boolean beyond : List.of(false, true)) {
            SimCluster c = led(List.of("a", "b", "c"), List.of(), "a");
            LogEntry last = await(c, c.write("a", "r1"));
            assertTrue(c.runUntil(() -> c.converged("a"), LONG));
            c.crash("a");
            // a majority lost a committed entry (simulated on the register): another checksum, or a later index
            CommitPoint lost = beyond ? new CommitPoint(1, last.index() + 2, 42) : new CommitPoint(1, last.index(),
                    last.checksum() ^ 1);
            c.register.set(Optional.of(lost));
            c.elect("b", 2);
            c.clock.runFor(Duration.ofSeconds(3));
            assertFalse(c.ready("b"));
            assertFalse(c.replica("b").status().leading());
            assertEquals(last.index(), c.log("b").lastIndex());
            assertTrue(c.log("b").entries().stream().noneMatch(e -> e.epoch() == 2));
            assertEquals(Reason.NO_LEADER, failure(c, c.write("b", "r2")));
            // the same takeover with the register's true value leads
            c.register.set(Optional.of(new CommitPoint(1, last.index(), last.checksum())));
            c.elect("b", 3);
            assertTrue(c.runUntil(() -> c.ready("b"), LONG));
        }
    }

    @Test
    public void writesCommitInCallOrder() throws Exception {
        SimCluster c = led(List.of("a", "b", "c"), List.of(), "a");
        c.net.dropRate = 0.2;
        List<CompletableFuture<LogEntry>> futures = new ArrayList<>();
        List<String> order = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            String id = "r" + i;
            CompletableFuture<LogEntry> f = c.write("a", id);
            f.thenAccept(e -> order.add(e.requestId()));
            futures.add(f);
        }
        assertTrue(c.runUntil(() -> futures.stream().allMatch(CompletableFuture::isDone), LONG));
        long prev = 0;
        for (int i = 0; i < futures.size(); i++) {
            LogEntry e = futures.get(i).get();
            assertEquals("r" + i, e.requestId());
            assertTrue(e.index() > prev);
            prev = e.index();
            assertEquals("r" + i, order.get(i));
        }
    }

    @Test
    public void aLaggingFollowerCatchesUpByEntries() throws Exception {
        SimCluster c = led(List.of("a", "b", "c"), List.of("o"), "a");
        c.crash("c");
        for (int i = 0; i < 150; i++) {
            c.write("a", "r" + i);
        }
        assertTrue(c.runUntil(() -> c.log("a").commitIndex() == 151, LONG));
        c.restart("c");
        assertTrue(c.runUntil(() -> c.converged("a"), LONG));
        assertEquals(c.log("a").entries(), c.log("c").entries());
        assertEquals(c.log("a").entries(), c.log("o").entries());
    }

    @Test
    public void aFollowerBehindTheCompactedPrefixCatchesUpBySnapshot() throws Exception {
        SimCluster c = led(List.of("a", "b", "c"), List.of(), "a");
        c.crash("c");
        for (int i = 0; i < 40; i++) {
            c.write("a", "r" + i);
        }
        assertTrue(c.runUntil(() -> c.log("a").commitIndex() == 41, LONG));
        c.snapshot("a", 5);
        assertEquals(37, c.log("a").firstIndex());
        c.restart("c");
        assertTrue(c.runUntil(() -> c.converged("a"), LONG));
        assertEquals(41, c.log("c").latestSnapshot().orElseThrow().index());
        assertEquals(42, c.log("c").firstIndex());
        LogEntry w = await(c, c.write("a", "after"));
        assertTrue(c.runUntil(() -> c.log("c").commitIndex() == w.index(), LONG));
        assertEquals(SimCluster.fullHistory(c.log("a")).size(), SimCluster.fullHistory(c.log("c")).size());
    }

    @Test
    public void aDamagedCommittedEntryIsReportedAndRepairedFromASnapshot() throws Exception {
        SimCluster c = new SimCluster(42, List.of("a", "b", "c"), List.of(),
                cfg -> cfg.withTimings(cfg.heartbeat(), cfg.requestTimeout(), cfg.registerTimeout(),
                        Duration.ofMillis(400), cfg.majorityWindow())).start();
        c.elect("a", 1);
        assertTrue(c.runUntil(() -> c.ready("a"), LONG));
        for (int i = 0; i < 10; i++) {
            await(c, c.write("a", "r" + i));
        }
        assertTrue(c.runUntil(() -> c.converged("a"), LONG));
        c.snapshot("a", 100);
        LogEntry good = c.log("b").read(11, 1).entries().get(0);
        c.log("b").damage(entry(11, good.epoch(), "damaged"));
        assertTrue(c.runUntil(() -> c.log("b").latestSnapshot().isPresent(), LONG));
        assertEquals(11, c.log("b").latestSnapshot().get().index());
        assertEquals(12, c.log("b").firstIndex());
        LogEntry w = await(c, c.write("a", "after"));
        assertTrue(c.runUntil(() -> c.log("b").commitIndex() == w.index(), LONG));
        assertEquals(w, c.log("b").read(w.index(), 1).entries().get(0));
    }

    @Test
    public void aTwoVoterGroupNeedsBothAndTheSecondNeverLeads() throws Exception {
        SimCluster c = led(List.of("a", "b"), List.of(), "a");
        assertNotNull(await(c, c.write("a", "r1")));
        assertTrue(c.register.value().isEmpty());
        c.crash("b");
        CompletableFuture<LogEntry> f = c.write("a", "r2");
        assertEquals(Reason.TIMEOUT, failure(c, f));
        assertEquals(Reason.NO_MAJORITY, failure(c, c.write("a", "r3")));
        c.crash("a");
        c.restart("b");
        c.runUntil(() -> false, Duration.ofSeconds(5));
        assertFalse(c.replica("b").status().leading());
        assertEquals(Reason.NOT_LEADER, failure(c, c.replica("b").commit("x", List.of(), Duration.ofSeconds(1))));
        c.restart("a");
        assertTrue(c.runUntil(() -> c.ready("a"), LONG));
        LogEntry w = await(c, c.write("a", "r4"));
        assertTrue(c.runUntil(() -> c.log("b").commitIndex() == w.index(), LONG));
        assertTrue(c.log("a").highestEpoch() >= 2);
    }

    @Test
    public void aSingleVoterCommitsAlone() throws Exception {
        SimCluster c = led(List.of("a"), List.of("o"), "a");
        LogEntry w = await(c, c.write("a", "r1"));
        assertEquals(2, w.index());
        assertTrue(c.runUntil(() -> c.log("o").commitIndex() == 2, LONG));
    }

    @Test
    public void aFollowerRefusesWritesAndNamesTheLeader() throws Exception {
        SimCluster c = led(List.of("a", "b", "c"), List.of(), "a");
        CompletableFuture<LogEntry> f = c.write("b", "r1");
        assertTrue(c.runUntil(f::isDone, LONG));
        ExecutionException e = assertThrows(ExecutionException.class, f::get);
        ConsensusException ce = (ConsensusException) e.getCause();
        assertEquals(Reason.NOT_LEADER, ce.reason());
        assertEquals("a", ce.leader());
    }

    @Test
    public void theBoundedQueueRefusesTheOverflow() throws Exception {
        SimCluster c = new SimCluster(42, List.of("a", "b", "c"), List.of(), cfg -> cfg.withLimits(8, 5)).start();
        c.elect("a", 1);
        assertTrue(c.runUntil(() -> c.ready("a"), LONG));
        List<CompletableFuture<LogEntry>> fs = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            fs.add(c.write("a", "r" + i));
        }
        assertTrue(c.runUntil(() -> fs.stream().allMatch(CompletableFuture::isDone), LONG));
        assertEquals(5, fs.stream().filter(f -> !f.isCompletedExceptionally()).count());
        assertEquals(Reason.OVERLOADED, failure(c, fs.get(6)));
    }

    @Test
    public void aFullCpRestartLosesTheRegisterButNoCommittedEntry() throws Exception {
        SimCluster c = led(List.of("a", "b", "c"), List.of(), "a");
        LogEntry w = await(c, c.write("a", "r1"));
        c.register.wipe();
        c.replica("a").stepDown();
        c.elect("b", c.highestEpoch() + 1);
        assertTrue(c.runUntil(() -> c.ready("b"), LONG));
        assertEquals(w, c.log("b").read(w.index(), 1).entries().get(0));
        assertEquals(2, c.register.value().orElseThrow().epoch());
    }
}
