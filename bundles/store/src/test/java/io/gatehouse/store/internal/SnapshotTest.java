package io.gatehouse.store.internal;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.gatehouse.api.log.LogEntry;
import io.gatehouse.api.log.ReadResult;
import io.gatehouse.api.log.Snapshot;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.Test;

public class SnapshotTest extends StoreTestSupport {

    private static Snapshot snapshot(long index, long epoch, String state) {
        return Snapshot.of(index, epoch, NOW.plusNanos(index), state.getBytes(StandardCharsets.UTF_8));
    }

    private static void appendN(H2OperationLog log, long epoch, int n) throws Exception {
        for (int i = 0; i < n; i++) {
            write(log, epoch, put("Pipeline", "p" + i, "{}"));
        }
    }

    private static List<Long> indices(ReadResult r) {
        return r.entries().stream().map(LogEntry::index).toList();
    }

    @Test
    public void noSnapshotAtFirst() throws Exception {
        assertTrue(open(tmp.newFolder()).latestSnapshot().isEmpty());
    }

    @Test
    public void savedSnapshotIsReadBackExactlyAfterReopen() throws Exception {
        File dir = tmp.newFolder();
        H2OperationLog log = open(dir);
        appendN(log, 1, 3);
        Snapshot s = snapshot(3, 1, "{\"objects\":[]}");
        log.saveSnapshot(s);
        log.deactivate();

        Snapshot read = open(dir).latestSnapshot().orElseThrow();
        assertEquals(3, read.index());
        assertEquals(1, read.epoch());
        assertEquals(s.timestamp(), read.timestamp());
        assertArrayEquals(s.state(), read.state());
        assertEquals(s.checksum(), read.checksum());
    }

    @Test
    public void invalidSnapshotsAreRefused() throws Exception {
        H2OperationLog log = open(tmp.newFolder());
        appendN(log, 1, 5);
        Snapshot good = snapshot(5, 1, "{}");
        Snapshot corrupt = new Snapshot(5, 1, NOW, good.state(), good.checksum() + 1);
        assertThrows(IllegalArgumentException.class, () -> log.saveSnapshot(corrupt));
        assertThrows(IllegalArgumentException.class, () -> log.saveSnapshot(snapshot(0, 1, "{}")));
        log.saveSnapshot(good);
        assertThrows(IllegalArgumentException.class, () -> log.saveSnapshot(snapshot(4, 1, "{}")));
        assertEquals(5, log.latestSnapshot().orElseThrow().index());
    }

    @Test
    public void onlyTheNewestTwoSnapshotsAreKept() throws Exception {
        File dir = tmp.newFolder();
        H2OperationLog log = open(dir);
        appendN(log, 1, 3);
        for (long i = 1; i <= 3; i++) {
            log.saveSnapshot(snapshot(i, 1, "{\"at\":" + i + "}"));
        }
        assertEquals(3, log.latestSnapshot().orElseThrow().index());
        log.deactivate();
        try (Connection c = jdbc(dir); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT idx FROM snapshot ORDER BY idx")) {
            List<Long> kept = new ArrayList<>();
            while (rs.next()) {
                kept.add(rs.getLong(1));
            }
            assertEquals(List.of(2L, 3L), kept);
        }
    }

    @Test
    public void corruptSnapshotIsSkippedInFavourOfTheOlderOne() throws Exception {
        File dir = tmp.newFolder();
        H2OperationLog log = open(dir);
        appendN(log, 1, 4);
        log.saveSnapshot(snapshot(2, 1, "{\"at\":2}"));
        log.saveSnapshot(snapshot(4, 1, "{\"at\":4}"));
        log.deactivate();
        try (Connection c = jdbc(dir); Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE snapshot SET state = X'7b7d' WHERE idx = 4");
        }

        H2OperationLog reopened = open(dir);
        Snapshot fallback = reopened.latestSnapshot().orElseThrow();
        assertEquals(2, fallback.index());
        assertEquals("{\"at\":2}", new String(fallback.state(), StandardCharsets.UTF_8));
        // The entries after the fallback are still there to be replayed.
        assertEquals(List.of(3L, 4L), indices(reopened.read(3, 10)));
    }

    @Test
    public void allSnapshotsCorruptMeansNone() throws Exception {
        File dir = tmp.newFolder();
        H2OperationLog log = open(dir);
        appendN(log, 1, 1);
        log.saveSnapshot(snapshot(1, 1, "{}"));
        log.deactivate();
        try (Connection c = jdbc(dir); Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE snapshot SET checksum = checksum + 1");
        }
        assertTrue(open(dir).latestSnapshot().isEmpty());
    }

    @Test
    public void compactionIsLimitedToTheLatestSnapshot() throws Exception {
        H2OperationLog log = open(tmp.newFolder());
        appendN(log, 1, 6);
        assertThrows(IllegalArgumentException.class, () -> log.compactUpTo(3));
        log.saveSnapshot(snapshot(3, 1, "{}"));
        assertThrows(IllegalArgumentException.class, () -> log.compactUpTo(4));
        assertThrows(IllegalArgumentException.class, () -> log.compactUpTo(-1));
        assertEquals(0, log.compactUpTo(0));
    }

    @Test
    public void compactionKeepsWhatTheFallbackSnapshotNeeds() throws Exception {
        File dir = tmp.newFolder();
        H2OperationLog log = open(dir);
        appendN(log, 1, 4);
        log.saveSnapshot(snapshot(2, 1, "{}"));
        // One snapshot only: nothing to fall back to if it were corrupt, so every entry stays.
        assertEquals(0, log.compactUpTo(2));
        assertEquals(List.of(1L, 2L, 3L, 4L), indices(log.read(1, 10)));

        log.saveSnapshot(snapshot(4, 1, "{}"));
        // Entries up to the older snapshot (2) go; 3 and 4 stay for a replay from it.
        assertEquals(2, log.compactUpTo(4));
        assertEquals(List.of(3L, 4L), indices(log.read(3, 10)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> log.read(2, 10));
        assertTrue(e.getMessage(), e.getMessage().contains("compacted"));
        assertEquals(4, log.lastIndex());
        assertEquals(0, log.compactUpTo(2));

        appendN(log, 1, 2);
        log.saveSnapshot(snapshot(6, 1, "{}"));
        assertEquals(2, log.compactUpTo(6));
        assertEquals(List.of(5L, 6L), indices(log.read(5, 10)));
        log.deactivate();

        H2OperationLog reopened = open(dir);
        assertEquals(6, reopened.lastIndex());
        assertThrows(IllegalArgumentException.class, () -> reopened.read(4, 10));
        assertEquals(7, reopened.append(1, "x", List.of(put("Pipeline", "x", "{}"))).index());
    }

    @Test
    public void snapshotAheadOfTheCommitIndexIsRefused() throws Exception {
        H2OperationLog log = open(tmp.newFolder());
        appendN(log, 1, 2);
        log.append(1, "u", List.of(put("Pipeline", "u", "{}")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> log.saveSnapshot(snapshot(3, 1, "{}")));
        assertTrue(e.getMessage(), e.getMessage().contains("ahead of the commit index 2"));
        assertThrows(IllegalArgumentException.class, () -> log.saveSnapshot(snapshot(10, 3, "{}")));
        assertTrue(log.latestSnapshot().isEmpty());
        log.saveSnapshot(snapshot(2, 1, "{}"));
    }

    @Test
    public void truncationBelowAnIntactSnapshotIsRefused() throws Exception {
        File dir = tmp.newFolder();
        H2OperationLog log = open(dir);
        appendN(log, 1, 4);
        log.saveSnapshot(snapshot(3, 1, "{}"));
        log.deactivate();
        // A commit index below the snapshot (as left by hand): the snapshot still protects its entries.
        try (Connection c = jdbc(dir); Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE gatehouse_meta SET val = 1 WHERE name = 'commit_index'");
        }
        java.nio.file.Files.delete(dir.toPath().resolve("oplog.acknowledged"));
        H2OperationLog reopened = open(dir);
        assertThrows(IllegalArgumentException.class, () -> reopened.truncateAfter(2));
        assertEquals(4, reopened.lastIndex());
        assertEquals(1, reopened.truncateAfter(3));
        assertEquals(3, reopened.lastIndex());
    }

    @Test
    public void truncationRemovesCorruptSnapshotsAboveIt() throws Exception {
        File dir = tmp.newFolder();
        H2OperationLog log = open(dir);
        appendN(log, 1, 4);
        log.saveSnapshot(snapshot(1, 1, "{}"));
        log.saveSnapshot(snapshot(4, 1, "{}"));
        log.deactivate();
        try (Connection c = jdbc(dir); Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE snapshot SET checksum = checksum + 1 WHERE idx = 4");
            s.executeUpdate("UPDATE oplog SET request_id = 'x' WHERE idx = 3");
            // Only the uncommitted part of a log is truncated: as if 3 and 4 had not been committed.
            s.executeUpdate("UPDATE gatehouse_meta SET val = 2 WHERE name = 'commit_index'");
        }
        java.nio.file.Files.delete(dir.toPath().resolve("oplog.acknowledged"));
        H2OperationLog reopened = open(dir);
        assertEquals(1, reopened.latestSnapshot().orElseThrow().index());
        assertEquals(3, reopened.read(2, 10).corruption().orElseThrow().index());
        assertEquals(2, reopened.truncateAfter(2));
        assertEquals(2, reopened.lastIndex());
        assertEquals(1, reopened.latestSnapshot().orElseThrow().index());
    }
}
