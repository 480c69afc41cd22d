package io.gatehouse.store.internal;

import io.gatehouse.api.log.Change;
import io.gatehouse.api.log.LogEntry;
import io.gatehouse.api.log.Operation;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * A row of the schema-1 {@code oplog} table (one change per row), read only to upgrade it
 * ({@link Migration}). Its checksum is the schema-1 formula, kept here privately because the API's
 * {@link LogEntry#checksumOf} now covers the request id and a list of changes: CRC-32C over index, epoch,
 * seconds, nanoseconds, operation name, kind, name and payload, each number as 8 big-endian bytes and each
 * string or byte array preceded by its length as such a number.
 *
 * @param index the row's {@code idx}; the other components are its columns as stored (possibly null)
 */
record LegacyEntry(long index, long epoch, long seconds, int nanos, String op, String kind, String name,
                   byte[] payload, long checksum) {

    /** The columns {@link #read} expects, in order. */
    static final String COLUMNS = "idx, epoch, ts_seconds, ts_nanos, op, kind, name, payload, checksum";

    static LegacyEntry read(ResultSet rs) throws SQLException {
        return new LegacyEntry(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getInt(4), rs.getString(5),
                rs.getString(6), rs.getString(7), rs.getBytes(8), rs.getLong(9));
    }

    /**
     * The schema-2 entry this row becomes: one change, an empty request id, the new checksum.
     *
     * @throws EntryTable.UnreadableRowException when the row cannot be decoded or fails its schema-1 checksum
     */
    LogEntry upgrade() throws EntryTable.UnreadableRowException {
        if (op == null || kind == null || name == null || payload == null) {
            throw new EntryTable.UnreadableRowException("unreadable row: a required column is null");
        }
        Operation operation;
        try {
            operation = Operation.valueOf(op);
        } catch (IllegalArgumentException e) {
            throw new EntryTable.UnreadableRowException("unreadable row: unknown operation '" + op + "'", e);
        }
        Instant timestamp;
        try {
            timestamp = EntryTable.timestamp(seconds, nanos);
        } catch (EntryTable.UnreadableRowException e) {
            throw new EntryTable.UnreadableRowException("unreadable row: " + e.getMessage(), e);
        }
        long expected = checksumOf(index, epoch, timestamp, operation, kind, name, payload);
        if (expected != checksum) {
            throw new EntryTable.UnreadableRowException("checksum mismatch (schema 1): stored " + checksum
                    + ", content gives " + expected);
        }
        return LogEntry.of(index, epoch, timestamp, "", List.of(new Change(operation, kind, name, payload)));
    }

    /** The schema-1 checksum (the 1.0 API's {@code LogEntry.checksumOf}). */
    static long checksumOf(long index, long epoch, Instant timestamp, Operation operation, String kind,
                           String name, byte[] payload) {
        CRC32C crc = new CRC32C();
        updateLong(crc, index);
        updateLong(crc, epoch);
        updateLong(crc, timestamp.getEpochSecond());
        updateLong(crc, timestamp.getNano());
        updateString(crc, operation.name());
        updateString(crc, kind);
        updateString(crc, name);
        updateLong(crc, payload.length);
        crc.update(payload);
        return crc.getValue();
    }

    private static void updateLong(CRC32C crc, long v) {
        for (int shift = 56; shift >= 0; shift -= 8) {
            crc.update((int) (v >>> shift) & 0xff);
        }
    }

    private static void updateString(CRC32C crc, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        updateLong(crc, b.length);
        crc.update(b);
    }
}
