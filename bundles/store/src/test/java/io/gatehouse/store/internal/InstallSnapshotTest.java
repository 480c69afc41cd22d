package io.gatehouse.store.internal;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.gatehouse.api.log.Change;
import io.gatehouse.api.log.LogEntry;
import io.gatehouse.api.log.Operation;
import io.gatehouse.api.log.Snapshot;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.Test;

/** A snapshot from a leader replaces the whole log in one durable step. */
public class InstallSnapshotTest extends StoreTestSupport {

    private static Snapshot leaderSnapshot(long index, long epoch) {
        return Snapshot.of(index, epoch, NOW.plusSeconds(index), ("{\"at\":" + index + "}").getBytes(StandardCharsets.UTF_8));
    }

    @Test
    public void theLogContinuesAfterTheSnapshotAndSurvivesReopen() throws Exception {
        File dir = tmp.newFolder();
        H2OperationLog log = open(dir);
        for (int i = 1; i <= 3; i++) {
            write(log, 1, put("Pipeline", "c" + i, "{}"));
        }
        log.saveSnapshot(Snapshot.of(2, 1, NOW, new byte[] {2}));
        log.append(1, "u4", List.of(put("Pipeline", "u4", "{}")));
        log.append(2, "u5", List.of(put("Pipeline", "u5", "{}")));

        Snapshot installed = leaderSnapshot(10, 3);
        log.installSnapshot(installed);
        assertEquals(10, log.lastIndex());
        assertEquals(3, log.lastEpoch());
        assertEquals(10, log.commitIndex());
        assertEquals(3, log.highestEpoch());
        assertEquals(11, log.firstIndex());
        assertTrue(log.read(11, 10).entries().isEmpty());
        assertThrows(IllegalArgumentException.class, () -> log.read(10, 10));
        assertArrayEquals(installed.state(), log.latestSnapshot().orElseThrow().state());

        LogEntry next = log.append(3, "n11", List.of(put("Pipeline", "n11", "{}")));
        assertEquals(11, next.index());
        log.commitTo(11);
        LogEntry fromLeader = LogEntry.of(12, 3, NOW, "n12", List.of(new Change(Operation.DELETE, "Pipeline", "n11",
                null)));
        log.appendEntries(List.of(fromLeader));
        log.deactivate();

        H2OperationLog reopened = open(dir);
        assertEquals(12, reopened.lastIndex());
        assertEquals(11, reopened.commitIndex());
        assertEquals(11, reopened.firstIndex());
        assertEquals(List.of(next, fromLeader), reopened.read(11, 10).entries());
        assertEquals(10, reopened.latestSnapshot().orElseThrow().index());
        reopened.deactivate();

        try (Connection c = jdbc(dir); Statement s = c.createStatement()) {
            List<String> rejected = new ArrayList<>();
            try (ResultSet rs = s.executeQuery("SELECT idx, request_id, reason FROM oplog_rejected ORDER BY id")) {
                while (rs.next()) {
                    rejected.add(rs.getLong(1) + ":" + rs.getString(2) + ":" + rs.getString(3));
                }
            }
            // The uncommitted entries are set aside; the committed ones (the snapshot includes them) are not kept.
            assertEquals(List.of("4:u4:replaced by snapshot 10", "5:u5:replaced by snapshot 10"), rejected);
            try (ResultSet rs = s.executeQuery("SELECT idx FROM snapshot")) {
                assertTrue(rs.next());
                assertEquals("the older snapshot cannot be replayed any more and is gone", 10, rs.getLong(1));
                assertTrue(!rs.next());
            }
        }
    }

    @Test
    public void anEmptyLogTakesASnapshot() throws Exception {
        File dir = tmp.newFolder();
        H2OperationLog log = open(dir);
        log.installSnapshot(leaderSnapshot(40, 2));
        assertEquals(40, log.commitIndex());
        assertEquals(41, log.append(2, "x", List.of()).index());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> log.appendEntries(List.of(LogEntry.of(41, 2, NOW, "", List.of()))));
        assertTrue(e.getMessage(), e.getMessage().contains("expected index 42"));
    }

    @Test
    public void aSnapshotBelowTheCommitIndexIsRefused() throws Exception {
        H2OperationLog log = open(tmp.newFolder());
        for (int i = 1; i <= 4; i++) {
            write(log, 1, put("Pipeline", "c" + i, "{}"));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> log.installSnapshot(leaderSnapshot(3, 1)));
        assertTrue(e.getMessage(), e.getMessage().contains("below the commit index 4"));
        assertEquals(4, log.lastIndex());
        assertEquals(4, log.read(1, 10).entries().size());
        // At the commit index itself: the committed entries are replaced.
        log.installSnapshot(leaderSnapshot(4, 1));
        assertEquals(5, log.firstIndex());
        assertEquals(4, log.lastIndex());
    }

    @Test
    public void invalidSnapshotsAreRefusedAndChangeNothing() throws Exception {
        H2OperationLog log = open(tmp.newFolder());
        write(log, 1, put("Pipeline", "a", "{}"));
        Snapshot good = leaderSnapshot(5, 1);
        assertThrows(IllegalArgumentException.class,
                () -> log.installSnapshot(new Snapshot(5, 1, NOW, good.state(), good.checksum() + 1)));
        assertThrows(IllegalArgumentException.class, () -> log.installSnapshot(leaderSnapshot(0, 1)));
        assertThrows(IllegalArgumentException.class, () -> log.installSnapshot(Snapshot.of(5, 0, NOW, new byte[0])));
        assertEquals(1, log.lastIndex());
        assertEquals(1, log.commitIndex());
        assertTrue(log.latestSnapshot().isEmpty());
    }

    @Test
    public void theInstallIsInTheFileWhenItReturns() throws Exception {
        File dir = tmp.newFolder();
        H2OperationLog log = open(dir);
        write(log, 1, put("Pipeline", "a", "{}"));
        log.installSnapshot(leaderSnapshot(7, 2));
        File crashed = tmp.newFolder();
        java.nio.file.Files.copy(dir.toPath().resolve("oplog.mv.db"), crashed.toPath().resolve("oplog.mv.db"));
        java.nio.file.Files.copy(dir.toPath().resolve("oplog.acknowledged"),
                crashed.toPath().resolve("oplog.acknowledged"));
        H2OperationLog restarted = open(crashed);
        assertEquals(7, restarted.commitIndex());
        assertEquals(8, restarted.firstIndex());
        assertEquals(7, restarted.latestSnapshot().orElseThrow().index());
    }
}
