package io.gatehouse.store.internal;

import io.gatehouse.api.log.Snapshot;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * SQL for the {@code snapshot} table. Every method runs in the caller's transaction; none commits.
 * Snapshots are few (the newest {@link #KEEP} are kept), so they are listed whole and checked in Java.
 */
final class SnapshotTable {

    /** How many snapshots are retained: the newest, and one to fall back to when it is corrupt. */
    static final int KEEP = 2;

    private SnapshotTable() {
    }

    /** Index and epoch of the newest stored snapshot (intact or not), or null when there is none. */
    static EntryTable.Position last(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT idx, epoch FROM snapshot ORDER BY idx DESC LIMIT 1");
             ResultSet rs = ps.executeQuery()) {
            return rs.next() ? new EntryTable.Position(rs.getLong(1), rs.getLong(2)) : null;
        }
    }

    /** Stores (or replaces, at the same index) a snapshot. */
    static void put(Connection c, Snapshot s) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("MERGE INTO snapshot "
                + "(idx, epoch, ts_seconds, ts_nanos, state, checksum) KEY(idx) VALUES (?, ?, ?, ?, ?, ?)")) {
            ps.setLong(1, s.index());
            ps.setLong(2, s.epoch());
            ps.setLong(3, s.timestamp().getEpochSecond());
            ps.setInt(4, s.timestamp().getNano());
            ps.setBytes(5, s.state());
            ps.setLong(6, s.checksum());
            ps.executeUpdate();
        }
    }

    /** Deletes every snapshot older than the newest {@link #KEEP}; returns how many. */
    static int prune(Connection c) throws SQLException {
        List<Long> indices = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT idx FROM snapshot ORDER BY idx DESC");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                indices.add(rs.getLong(1));
            }
        }
        if (indices.size() <= KEEP) {
            return 0;
        }
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM snapshot WHERE idx < ?")) {
            ps.setLong(1, indices.get(KEEP - 1));
            return ps.executeUpdate();
        }
    }

    /** Deletes every snapshot. */
    static void deleteAll(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM snapshot")) {
            ps.executeUpdate();
        }
    }

    /** Deletes the snapshot at {@code index}. */
    static void delete(Connection c, long index) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM snapshot WHERE idx = ?")) {
            ps.setLong(1, index);
            ps.executeUpdate();
        }
    }

    /** Every stored snapshot, newest first, each either decoded or with the reason it is unusable. */
    static List<Stored> listNewestFirst(Connection c) throws SQLException {
        List<Stored> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT idx, epoch, ts_seconds, ts_nanos, state, checksum "
                + "FROM snapshot ORDER BY idx DESC");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(decode(rs));
            }
        }
        return out;
    }

    private static Stored decode(ResultSet rs) throws SQLException {
        long idx = rs.getLong(1);
        long epoch = rs.getLong(2);
        long seconds = rs.getLong(3);
        int nanos = rs.getInt(4);
        byte[] state = rs.getBytes(5);
        long checksum = rs.getLong(6);
        if (state == null) {
            return new Stored(idx, null, "state is null");
        }
        if (nanos < 0 || nanos > 999_999_999) {
            return new Stored(idx, null, "ts_nanos " + nanos + " is out of range");
        }
        Instant timestamp;
        try {
            timestamp = Instant.ofEpochSecond(seconds, nanos);
        } catch (DateTimeException e) {
            return new Stored(idx, null, "ts_seconds " + seconds + " is out of range (" + e.getMessage() + ")");
        }
        Snapshot s = new Snapshot(idx, epoch, timestamp, state, checksum);
        if (!s.intact()) {
            return new Stored(idx, null, "checksum mismatch: stored " + checksum + ", state gives "
                    + Snapshot.checksumOf(state));
        }
        return new Stored(idx, s, null);
    }

    /**
     * A stored snapshot row.
     *
     * @param index    its index
     * @param snapshot the decoded, intact snapshot, or null when unusable
     * @param problem  why it is unusable, or null
     */
    record Stored(long index, Snapshot snapshot, String problem) {
        boolean intact() {
            return snapshot != null;
        }
    }
}
