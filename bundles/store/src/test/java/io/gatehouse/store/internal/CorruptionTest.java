package io.gatehouse.store.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.gatehouse.api.log.Change;
import io.gatehouse.api.log.LogCorruption;
import io.gatehouse.api.log.LogEntry;
import io.gatehouse.api.log.ReadResult;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import org.junit.Test;

/** Corrupt, torn and missing rows: detected on read, quarantined on truncate, never returned. */
public class CorruptionTest extends StoreTestSupport {

    /**
     * Appends {@code count} single-change entries (not committed: a corrupt tail above the commit index is
     * what {@code truncateAfter} may quarantine) and closes the log.
     */
    private List<LogEntry> writeAndClose(File dir, int count) throws Exception {
        H2OperationLog log = open(dir);
        List<LogEntry> written = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            written.add(log.append(1, "r" + i, List.of(put("Pipeline", "p" + i, "{\"n\":" + i + "}"))));
        }
        log.deactivate();
        return written;
    }

    /** A changes column with one change, written by hand (so that it can say anything). */
    private static byte[] encodedChange(int format, String op, String kind, String name, byte[] payload)
            throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(format);
            out.writeInt(1);
            for (byte[] field : List.of(op.getBytes(StandardCharsets.UTF_8), kind.getBytes(StandardCharsets.UTF_8),
                    name.getBytes(StandardCharsets.UTF_8), payload)) {
                out.writeInt(field.length);
                out.write(field);
            }
        }
        return bytes.toByteArray();
    }

    private void setChanges(File dir, long index, byte[] changes) throws Exception {
        try (Connection c = jdbc(dir);
             PreparedStatement ps = c.prepareStatement("UPDATE oplog SET changes = ? WHERE idx = ?")) {
            ps.setBytes(1, changes);
            ps.setLong(2, index);
            assertEquals(1, ps.executeUpdate());
        }
    }

    private void sql(File dir, String statement) throws Exception {
        try (Connection c = jdbc(dir); Statement s = c.createStatement()) {
            s.executeUpdate(statement);
        }
    }

    @Test
    public void corruptTailIsReportedAndOnlyTheIntactPrefixReturned() throws Exception {
        File dir = tmp.newFolder();
        List<LogEntry> written = writeAndClose(dir, 3);
        // Well-formed, but not what was written: only the checksum tells.
        setChanges(dir, 3, encodedChange(1, "PUT", "Pipeline", "p3", "{\"n\":666}".getBytes(StandardCharsets.UTF_8)));

        H2OperationLog log = open(dir);
        ReadResult r = log.read(1, 100);
        assertEquals(written.subList(0, 2), r.entries());
        LogCorruption corruption = r.corruption().orElseThrow();
        assertEquals(3, corruption.index());
        assertTrue(corruption.reason(), corruption.reason().startsWith("checksum mismatch"));
        // The index still counts: the corrupt row is stored until someone truncates it.
        assertEquals(3, log.lastIndex());
    }

    @Test
    public void truncateAfterMovesTheCorruptTailToRejected() throws Exception {
        File dir = tmp.newFolder();
        List<LogEntry> written = writeAndClose(dir, 4);
        sql(dir, "UPDATE oplog SET request_id = 'tampered' WHERE idx = 3");

        H2OperationLog log = open(dir);
        LogCorruption corruption = log.read(1, 100).corruption().orElseThrow();
        assertEquals(3, corruption.index());
        assertEquals(2, log.truncateAfter(corruption.index() - 1));
        assertEquals(2, log.lastIndex());
        ReadResult after = log.read(1, 100);
        assertTrue(after.corruption().isEmpty());
        assertEquals(2, after.entries().size());
        assertEquals(3, log.append(1, "new", List.of(put("Pipeline", "new", "{}"))).index());
        log.deactivate();

        try (Connection c = jdbc(dir); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT idx, request_id, reason, rejected_at, changes, entry_format, "
                     + "checksum FROM oplog_rejected ORDER BY id")) {
            assertTrue(rs.next());
            assertEquals(3, rs.getLong(1));
            assertEquals("tampered", rs.getString(2));
            assertTrue(rs.getString(3), rs.getString(3).startsWith("truncated: checksum mismatch"));
            assertEquals(NOW, rs.getObject(4, OffsetDateTime.class).toInstant());
            Change kept = ChangeCodec.decode(rs.getBytes(5)).get(0);
            assertEquals("{\"n\":3}", new String(kept.payload(), StandardCharsets.UTF_8));
            assertEquals(2, rs.getInt(6));
            assertEquals(written.get(2).checksum(), rs.getLong(7));
            assertTrue(rs.next());
            assertEquals(4, rs.getLong(1));
            assertEquals("truncated after corrupt entry 3", rs.getString(3));
            assertFalse(rs.next());
        }
    }

    @Test
    public void plainTruncateKeepsTheRowsInRejected() throws Exception {
        File dir = tmp.newFolder();
        writeAndClose(dir, 3);
        H2OperationLog log = open(dir);
        assertEquals(0, log.truncateAfter(3));
        assertEquals(3, log.truncateAfter(0));
        assertEquals(0, log.lastIndex());
        assertThrows(IllegalArgumentException.class, () -> log.truncateAfter(-1));
        log.deactivate();
        try (Connection c = jdbc(dir); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT COUNT(*), MIN(reason), MAX(reason) FROM oplog_rejected")) {
            assertTrue(rs.next());
            assertEquals(3, rs.getLong(1));
            assertEquals("truncated", rs.getString(2));
            assertEquals("truncated", rs.getString(3));
        }
    }

    @Test
    public void rejectedTableIsBounded() throws Exception {
        File dir = tmp.newFolder();
        writeAndClose(dir, 5);
        H2OperationLog log = open(dir, 3);
        assertEquals(5, log.truncateAfter(0));
        log.deactivate();
        try (Connection c = jdbc(dir); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT idx FROM oplog_rejected ORDER BY id")) {
            List<Long> kept = new ArrayList<>();
            while (rs.next()) {
                kept.add(rs.getLong(1));
            }
            assertEquals("the newest rows are kept", List.of(3L, 4L, 5L), kept);
        }
    }

    @Test
    public void missingRowInTheMiddleIsAGap() throws Exception {
        File dir = tmp.newFolder();
        List<LogEntry> written = writeAndClose(dir, 5);
        sql(dir, "DELETE FROM oplog WHERE idx = 3");

        H2OperationLog log = open(dir);
        ReadResult r = log.read(1, 100);
        assertEquals(written.subList(0, 2), r.entries());
        LogCorruption gap = r.corruption().orElseThrow();
        assertEquals(3, gap.index());
        assertTrue(gap.reason(), gap.reason().contains("missing") && gap.reason().contains("4"));

        // Reading from the hole itself reports it too.
        assertEquals(3, log.read(3, 10).corruption().orElseThrow().index());
        assertTrue(log.read(3, 10).entries().isEmpty());
        // Entries after the gap are quarantined by the truncate, not lost.
        assertEquals(2, log.truncateAfter(2));
        assertEquals(written.subList(0, 2), log.read(1, 100).entries());
    }

    @Test
    public void rowRenumberedIntoAHoleFailsItsChecksum() throws Exception {
        File dir = tmp.newFolder();
        // Entry 4 stays, so the log still ends at its acknowledged index and opens.
        writeAndClose(dir, 4);
        sql(dir, "DELETE FROM oplog WHERE idx = 2");
        sql(dir, "UPDATE oplog SET idx = 2 WHERE idx = 3");

        H2OperationLog log = open(dir);
        ReadResult r = log.read(1, 100);
        assertEquals(1, r.entries().size());
        assertEquals(2, r.corruption().orElseThrow().index());
        assertTrue(r.corruption().get().reason().startsWith("checksum mismatch"));
    }

    @Test
    public void unreadableRowsAreReportedAsCorruption() throws Exception {
        File dir = tmp.newFolder();
        writeAndClose(dir, 6);
        setChanges(dir, 2, encodedChange(1, "FROB", "Pipeline", "p2", new byte[0]));
        sql(dir, "UPDATE oplog SET ts_nanos = 1000000000 WHERE idx = 3");
        byte[] good = encodedChange(1, "PUT", "Pipeline", "p4", new byte[10]);
        setChanges(dir, 4, java.util.Arrays.copyOf(good, good.length - 3));
        setChanges(dir, 5, encodedChange(9, "PUT", "Pipeline", "p5", new byte[0]));
        byte[] trailing = java.util.Arrays.copyOf(good, good.length + 1);
        setChanges(dir, 6, trailing);

        H2OperationLog log = open(dir);
        ReadResult r = log.read(1, 100);
        assertEquals(1, r.entries().size());
        LogCorruption c = r.corruption().orElseThrow();
        assertEquals(2, c.index());
        assertTrue(c.reason(), c.reason().contains("unknown operation 'FROB'"));

        assertReason(log, 3, "ts_nanos 1000000000 is out of range");
        assertReason(log, 4, "invalid field length");
        assertReason(log, 5, "unknown encoding format 9");
        assertReason(log, 6, "1 bytes after the last change");
    }

    private static void assertReason(H2OperationLog log, long index, String expected) throws IOException {
        LogCorruption c = log.read(index, 1).corruption().orElseThrow();
        assertEquals(index, c.index());
        assertTrue(c.reason(), c.reason().startsWith("unreadable row: ") && c.reason().contains(expected));
    }

    @Test
    public void aCorruptCommittedEntryCannotBeTruncated() throws Exception {
        File dir = tmp.newFolder();
        H2OperationLog log = open(dir);
        for (int i = 1; i <= 3; i++) {
            write(log, 1, put("Pipeline", "p" + i, "{}"));
        }
        log.deactivate();
        sql(dir, "UPDATE oplog SET epoch = 2 WHERE idx = 2");

        H2OperationLog reopened = open(dir);
        assertEquals(2, reopened.read(1, 10).corruption().orElseThrow().index());
        // Committed entries are never truncated; the cluster repairs them by installing a snapshot.
        assertThrows(IllegalStateException.class, () -> reopened.truncateAfter(1));
        assertEquals(3, reopened.lastIndex());
    }

    @Test
    public void timestampNanosAreCoveredByTheChecksum() throws Exception {
        File dir = tmp.newFolder();
        writeAndClose(dir, 1);
        sql(dir, "UPDATE oplog SET ts_nanos = ts_nanos + 1 WHERE idx = 1");
        LogCorruption c = open(dir).read(1, 10).corruption().orElseThrow();
        assertEquals(1, c.index());
        assertTrue(c.reason(), c.reason().startsWith("checksum mismatch"));
    }

    @Test
    public void corruptionIsSeenWhileTheLogIsOpen() throws Exception {
        File dir = tmp.newFolder();
        H2OperationLog log = open(dir);
        write(log, 1, put("Pipeline", "a", "{}"));
        write(log, 1, put("Pipeline", "b", "{}"));
        // A second in-process connection shares the open database.
        try (Connection c = jdbc(dir); Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE oplog SET epoch = 7 WHERE idx = 2");
        }
        assertEquals(2, log.read(1, 10).corruption().orElseThrow().index());
    }
}
