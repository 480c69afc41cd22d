package io.gatehouse.store.internal;

import io.gatehouse.api.log.Change;
import io.gatehouse.api.log.LogCorruption;
import io.gatehouse.api.log.LogEntry;
import io.gatehouse.api.log.ReadResult;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.h2.api.ErrorCode;

/**
 * SQL for the {@code oplog} and {@code oplog_rejected} tables (schema 2: one row per entry, the changes
 * encoded by {@link ChangeCodec}). Every method runs in the caller's transaction; none commits.
 *
 * <p>Rows are decoded defensively: a row that cannot be turned back into a {@link LogEntry} (undecodable
 * changes, nanoseconds out of range, missing column) is reported as corruption at its index, like a
 * checksum mismatch, because replaying around it would silently change the configuration history.
 */
final class EntryTable {

    static final String COLUMNS = "idx, epoch, ts_seconds, ts_nanos, request_id, changes, checksum";

    private EntryTable() {
    }

    /** Index and epoch of the last stored entry, or null when the table is empty. */
    static Position last(Connection c) throws SQLException {
        return last(c, "oplog");
    }

    private static Position last(Connection c, String table) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT idx, epoch FROM " + table
                + " ORDER BY idx DESC LIMIT 1");
             ResultSet rs = ps.executeQuery()) {
            return rs.next() ? new Position(rs.getLong(1), rs.getLong(2)) : null;
        }
    }

    /**
     * The log's last position: the last entry, or the newest snapshot when no entry follows it (an
     * installed snapshot); (0, 0) when there is neither.
     */
    static Position lastPosition(Connection c) throws SQLException {
        return lastPosition(c, "oplog");
    }

    /** {@link #lastPosition(Connection)} with the entries in {@code table} (schema 1 or 2: idx and epoch). */
    static Position lastPosition(Connection c, String table) throws SQLException {
        Position entry = last(c, table);
        Position snapshot = SnapshotTable.last(c);
        if (entry == null && snapshot == null) {
            return new Position(0, 0);
        }
        if (entry == null) {
            return snapshot;
        }
        return snapshot == null || entry.index() >= snapshot.index() ? entry : snapshot;
    }

    /** True when at least one entry is stored. */
    static boolean any(Connection c) throws SQLException {
        return last(c) != null;
    }

    /** Inserts entries as they are (already stamped and checked by the caller). */
    static void insert(Connection c, List<LogEntry> entries) throws SQLException {
        insert(c, "oplog", entries);
    }

    static void insert(Connection c, String table, List<LogEntry> entries) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + table + " (" + COLUMNS
                + ") VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            for (LogEntry e : entries) {
                ps.setLong(1, e.index());
                ps.setLong(2, e.epoch());
                ps.setLong(3, e.timestamp().getEpochSecond());
                ps.setInt(4, e.timestamp().getNano());
                ps.setString(5, e.requestId());
                ps.setBytes(6, ChangeCodec.encode(e.changes()));
                ps.setLong(7, e.checksum());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /**
     * Reads up to {@code max} entries from {@code fromIndex}, stopping before the first entry that is
     * missing, unreadable or fails its checksum.
     */
    static ReadResult read(Connection c, long fromIndex, int max) throws SQLException {
        List<LogEntry> entries = new ArrayList<>();
        long expected = fromIndex;
        try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS
                + " FROM oplog WHERE idx >= ? ORDER BY idx LIMIT ?")) {
            ps.setLong(1, fromIndex);
            ps.setInt(2, max);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    long idx = rs.getLong(1);
                    if (idx != expected) {
                        return corrupt(entries, expected, "entry " + expected
                                + " is missing (gap: the next stored entry is " + idx + ")");
                    }
                    LogEntry entry;
                    try {
                        entry = decode(rs, idx);
                    } catch (UnreadableRowException e) {
                        return corrupt(entries, idx, "unreadable row: " + e.getMessage());
                    }
                    if (!entry.intact()) {
                        return corrupt(entries, idx, "checksum mismatch: stored " + entry.checksum()
                                + ", content gives " + LogEntry.checksumOf(entry.index(), entry.epoch(),
                                entry.timestamp(), entry.requestId(), entry.changes()));
                    }
                    entries.add(entry);
                    expected++;
                }
            }
        } catch (SQLException e) {
            // H2 reports a page it cannot decode as FILE_CORRUPTED; anything else is a storage failure.
            if (e.getErrorCode() == ErrorCode.FILE_CORRUPTED_1) {
                return corrupt(entries, expected, "unreadable row: " + e.getMessage());
            }
            throw e;
        }
        return new ReadResult(entries, Optional.empty());
    }

    private static ReadResult corrupt(List<LogEntry> entries, long index, String reason) {
        return new ReadResult(entries, Optional.of(new LogCorruption(index, reason)));
    }

    private static LogEntry decode(ResultSet rs, long idx) throws SQLException, UnreadableRowException {
        long epoch = rs.getLong(2);
        long seconds = rs.getLong(3);
        int nanos = rs.getInt(4);
        String requestId = rs.getString(5);
        byte[] encoded = rs.getBytes(6);
        long checksum = rs.getLong(7);
        if (requestId == null || encoded == null) {
            throw new UnreadableRowException("a required column is null");
        }
        List<Change> changes = ChangeCodec.decode(encoded);
        return new LogEntry(idx, epoch, timestamp(seconds, nanos), requestId, changes, checksum);
    }

    /** An {@link Instant} from stored seconds and nanoseconds, or why they are not one. */
    static Instant timestamp(long seconds, int nanos) throws UnreadableRowException {
        if (nanos < 0 || nanos > 999_999_999) {
            throw new UnreadableRowException("ts_nanos " + nanos + " is out of range");
        }
        try {
            return Instant.ofEpochSecond(seconds, nanos);
        } catch (DateTimeException e) {
            throw new UnreadableRowException("ts_seconds " + seconds + " is out of range", e);
        }
    }

    /**
     * Copies every entry with an index greater than {@code afterIndex} to {@code oplog_rejected} and
     * deletes it from {@code oplog}. Works on raw columns, so undecodable rows move too.
     *
     * @param firstReason reason recorded for entry {@code afterIndex + 1}
     * @param restReason  reason recorded for the entries after it
     * @return how many entries were moved
     */
    static int moveToRejected(Connection c, long afterIndex, String firstReason, String restReason, Instant now)
            throws SQLException {
        try (PreparedStatement copy = c.prepareStatement("INSERT INTO oplog_rejected (" + COLUMNS
                + ", entry_format, reason, rejected_at) SELECT " + COLUMNS + ", 2, CASE WHEN idx = ? THEN ? ELSE ? END, ? "
                + "FROM oplog WHERE idx > ? ORDER BY idx")) {
            copy.setLong(1, afterIndex + 1);
            copy.setString(2, firstReason);
            copy.setString(3, restReason);
            copy.setObject(4, rejectedAt(now));
            copy.setLong(5, afterIndex);
            copy.executeUpdate();
        }
        try (PreparedStatement delete = c.prepareStatement("DELETE FROM oplog WHERE idx > ?")) {
            delete.setLong(1, afterIndex);
            return delete.executeUpdate();
        }
    }

    static OffsetDateTime rejectedAt(Instant now) {
        return OffsetDateTime.ofInstant(now, ZoneOffset.UTC);
    }

    /** Deletes the oldest quarantined rows beyond {@code keep}; returns how many were deleted. */
    static int pruneRejected(Connection c, int keep) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM oplog_rejected WHERE id <= "
                + "(SELECT MAX(id) FROM oplog_rejected) - ?")) {
            ps.setLong(1, keep);
            return ps.executeUpdate();
        }
    }

    /** Deletes entries with an index up to {@code index}; returns how many. */
    static int deleteUpTo(Connection c, long index) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM oplog WHERE idx <= ?")) {
            ps.setLong(1, index);
            return ps.executeUpdate();
        }
    }

    /** A position in the log: an entry's or a snapshot's index and epoch. */
    record Position(long index, long epoch) {
    }

    /** A stored row that does not decode into an entry. */
    static final class UnreadableRowException extends Exception {
        private static final long serialVersionUID = 1L;

        UnreadableRowException(String message) {
            super(message);
        }

        UnreadableRowException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
