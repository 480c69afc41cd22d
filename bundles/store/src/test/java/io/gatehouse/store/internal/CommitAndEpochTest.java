package io.gatehouse.store.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.gatehouse.api.log.Snapshot;
import java.io.File;
import java.nio.file.Files;
import java.util.List;
import java.util.OptionalLong;
import org.junit.Test;

/** The node's durable replication state: the commit index and the highest epoch seen. */
public class CommitAndEpochTest extends StoreTestSupport {

    private static void appendN(H2OperationLog log, long epoch, int n) throws Exception {
        for (int i = 0; i < n; i++) {
            log.append(epoch, "r" + i, List.of(put("Pipeline", "p" + i, "{}")));
        }
    }

    @Test
    public void commitIndexOnlyGrowsAndSurvivesReopen() throws Exception {
        File dir = tmp.newFolder();
        H2OperationLog log = open(dir);
        assertEquals(0, log.commitIndex());
        appendN(log, 1, 5);
        assertEquals(0, log.commitIndex());
        log.commitTo(3);
        assertEquals(3, log.commitIndex());
        log.commitTo(2);
        log.commitTo(3);
        log.commitTo(-1);
        assertEquals("lower or equal values are ignored", 3, log.commitIndex());
        log.commitTo(5);
        assertEquals(5, log.commitIndex());
        log.deactivate();

        assertEquals(5, open(dir).commitIndex());
    }

    @Test
    public void commitIndexIsInTheFileWhenCommitToReturns() throws Exception {
        File dir = tmp.newFolder();
        H2OperationLog log = open(dir);
        appendN(log, 1, 2);
        log.commitTo(2);
        // The open file as a kill -9 leaves it.
        File crashed = tmp.newFolder();
        Files.copy(dir.toPath().resolve("oplog.mv.db"), crashed.toPath().resolve("oplog.mv.db"));
        Files.copy(dir.toPath().resolve("oplog.acknowledged"), crashed.toPath().resolve("oplog.acknowledged"));
        assertEquals(2, open(crashed).commitIndex());
    }

    @Test
    public void commitBeyondTheLogIsRefused() throws Exception {
        H2OperationLog log = open(tmp.newFolder());
        appendN(log, 1, 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> log.commitTo(3));
        assertTrue(e.getMessage(), e.getMessage().contains("the log ends at 2"));
        assertEquals(0, log.commitIndex());
        log.commitTo(2);
        assertThrows(IllegalArgumentException.class, () -> log.commitTo(3));
        assertEquals(2, log.commitIndex());
    }

    @Test
    public void truncationBelowTheCommitIndexIsRefused() throws Exception {
        H2OperationLog log = open(tmp.newFolder());
        appendN(log, 1, 5);
        log.commitTo(3);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> log.truncateAfter(2));
        assertTrue(e.getMessage(), e.getMessage().contains("commit index 3"));
        assertThrows(IllegalStateException.class, () -> log.truncateAfter(0));
        assertEquals(5, log.lastIndex());
        assertEquals(2, log.truncateAfter(3));
        assertEquals(3, log.lastIndex());
        assertEquals(3, log.commitIndex());
    }

    @Test
    public void observeEpochReturnsTheHighestAndSurvivesReopen() throws Exception {
        File dir = tmp.newFolder();
        H2OperationLog log = open(dir);
        assertEquals(0, log.highestEpoch());
        assertEquals(4, log.observeEpoch(4));
        assertEquals("an older epoch does not lower it", 4, log.observeEpoch(2));
        assertEquals(4, log.observeEpoch(4));
        assertEquals(4, log.highestEpoch());
        assertEquals(0, log.lastEpoch());
        assertEquals(6, log.observeEpoch(6));
        log.deactivate();

        H2OperationLog reopened = open(dir);
        assertEquals(6, reopened.highestEpoch());
        assertEquals(6, reopened.observeEpoch(1));
    }

    @Test
    public void appendingRaisesTheHighestEpochAndTruncatingDoesNotLowerIt() throws Exception {
        File dir = tmp.newFolder();
        H2OperationLog log = open(dir);
        appendN(log, 2, 1);
        assertEquals(2, log.highestEpoch());
        log.commitTo(1);
        appendN(log, 5, 1);
        assertEquals(5, log.highestEpoch());
        log.truncateAfter(1);
        assertEquals(2, log.lastEpoch());
        log.deactivate();
        assertEquals(5, open(dir).highestEpoch());
    }

    @Test
    public void appendBelowTheHighestEpochSeenIsRefused() throws Exception {
        H2OperationLog log = open(tmp.newFolder());
        appendN(log, 1, 1);
        log.observeEpoch(3);
        // A deposed writer (epoch 1 or 2) no longer extends the log, although its last epoch is 1.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> log.append(2, "late", List.of(put("Pipeline", "late", "{}"))));
        assertTrue(e.getMessage(), e.getMessage().contains("highest epoch seen, 3"));
        assertEquals(1, log.lastIndex());
        assertEquals(2, log.append(3, "new", List.of()).index());
    }

    @Test
    public void firstIndexFollowsTheCompaction() throws Exception {
        H2OperationLog log = open(tmp.newFolder());
        assertEquals(1, log.firstIndex());
        appendN(log, 1, 6);
        log.commitTo(6);
        log.saveSnapshot(Snapshot.of(2, 1, NOW, new byte[] {2}));
        log.saveSnapshot(Snapshot.of(5, 1, NOW, new byte[] {5}));
        assertEquals(2, log.compactUpTo(5));
        assertEquals(3, log.firstIndex());
        assertEquals(List.of(3L, 4L, 5L, 6L), log.read(log.firstIndex(), 10).entries().stream()
                .map(e -> e.index()).toList());
    }

    @Test
    public void recordIsNotRaisedByAppends() throws Exception {
        File dir = tmp.newFolder();
        H2OperationLog log = open(dir);
        appendN(log, 1, 3);
        log.deactivate();
        assertEquals(OptionalLong.of(0), AcknowledgedIndex.read(dir.toPath().resolve("oplog.acknowledged")));
        // Uncommitted entries may go (a new leader overwrites them): the database opens without them.
        H2OperationLog reopened = open(dir);
        assertEquals(3, reopened.truncateAfter(0));
        reopened.deactivate();
        assertEquals(0, open(dir).lastIndex());
    }
}
