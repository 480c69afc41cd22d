package io.gatehouse.store.internal;

import io.gatehouse.api.log.LogEntry;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Upgrades a schema-1 database (one change per row) to schema 2 (one entry per row, changes encoded by
 * {@link ChangeCodec}) in place, at activation.
 *
 * <p>H2 commits the open transaction on every DDL statement, so the upgrade cannot be a single transaction
 * with its table changes. It is three steps, each safe to cut short by a crash:
 * <ol>
 *   <li>DDL that leaves the schema-1 data as it is: a new, empty {@code oplog_v2} table (dropped and
 *   created again if a previous attempt left one) and the new nullable columns of {@code oplog_rejected}.
 *   A crash here leaves a schema-1 database, upgraded again at the next open.</li>
 *   <li>One DML transaction, committed and forced to the disk: every schema-1 row from
 *   {@code compacted_through + 1} on is verified with the schema-1 checksum ({@link LegacyEntry}) and
 *   copied to {@code oplog_v2} as an entry with one change and request id {@code ""}, restamped with the
 *   new checksum. At the first row that is missing, unreadable or fails its checksum the copy stops, and
 *   that row and every row after it go to {@code oplog_rejected} (as the 1.0 recovery did). Then
 *   {@code commit_index} = the last migrated index (everything in a schema-1 log was acknowledged),
 *   {@code highest_epoch} = the highest epoch kept, and {@code schema_version} = 2. Snapshots are kept.
 *   Before the commit, the acknowledged-index record is lowered if rows were set aside ({@link BeforeCommit}).</li>
 *   <li>DDL: the schema-1 {@code oplog} is dropped and {@code oplog_v2} renamed to {@code oplog}
 *   ({@link #finish}). A database with {@code schema_version} 2 whose {@code oplog_v2} still exists is one
 *   cut short here: its entries are in {@code oplog_v2} ({@link Schema#asFound}), and the next open does
 *   this step again.</li>
 * </ol>
 *
 * <p>One refinement keeps acknowledged writes that the 1.0 code would still have served: a damaged row
 * that the newest intact snapshot already covers did not matter to 1.0 (replay started after the
 * snapshot). There, the rows the snapshot covers from the damaged one on go to {@code oplog_rejected},
 * the log is compacted through the snapshot (older snapshots, which could no longer be replayed, are
 * deleted), and the rows after the snapshot are verified and migrated by the same rule.
 */
final class Migration {

    private static final Logger LOG = LoggerFactory.getLogger(Migration.class);

    private static final String REASON = "migration to schema 2: ";
    private static final int BATCH = 256;

    private Migration() {
    }

    /** Called with the new commit index just before the data transaction commits. */
    @FunctionalInterface
    interface BeforeCommit {
        void accept(long commitIndex) throws SQLException;
    }

    /** Runs the three steps on a schema-1 database (see the class comment). */
    static void run(Connection c, BeforeCommit beforeCommit) throws SQLException {
        prepareTables(c);
        migrateData(c, beforeCommit);
        finish(c);
    }

    /** Step 1: the new table and columns, leaving the schema-1 data as it is. */
    static void prepareTables(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS " + Schema.MIGRATING_TABLE);
            s.execute(Schema.entryTableDdl(Schema.MIGRATING_TABLE));
            s.execute(Schema.REJECTED_DDL);
            s.execute("ALTER TABLE oplog_rejected ADD COLUMN IF NOT EXISTS request_id VARCHAR");
            s.execute("ALTER TABLE oplog_rejected ADD COLUMN IF NOT EXISTS changes VARBINARY");
            s.execute("ALTER TABLE oplog_rejected ADD COLUMN IF NOT EXISTS entry_format INT DEFAULT 1 NOT NULL");
        }
        c.commit();
        StoreConnection.sync(c);
    }

    /** Step 2: verifies and copies the rows, in one transaction (see the class comment). */
    static void migrateData(Connection c, BeforeCommit beforeCommit) throws SQLException {
        Instant now = Instant.now();
        try {
            long compacted = Schema.meta(c, Schema.COMPACTED_THROUGH);
            long snapshot = newestIntactSnapshot(c);
            Damage damage = verify(c, compacted + 1);
            if (damage != null && damage.index() <= snapshot) {
                LOG.error("Operation log upgrade: entry {} is damaged ({}) but the snapshot at {} covers it; the "
                        + "entries up to the snapshot are compacted away and the damaged ones set aside",
                        damage.index(), damage.reason(), snapshot);
                quarantine(c, damage, snapshot, now);
                deleteSnapshotsBelow(c, snapshot);
                compacted = snapshot;
                Schema.writeMeta(c, Schema.COMPACTED_THROUGH, compacted);
                damage = verify(c, compacted + 1);
            }
            long end = damage == null ? Long.MAX_VALUE : damage.index();
            int migrated = copy(c, compacted + 1, end);
            if (damage != null) {
                int set = quarantine(c, damage, Long.MAX_VALUE, now);
                LOG.error("Operation log upgrade: entry {} cannot be trusted ({}); it and the {} entries after it "
                        + "were moved to oplog_rejected", damage.index(), damage.reason(), Math.max(0, set - 1));
            }
            EntryTable.Position last = EntryTable.lastPosition(c, Schema.MIGRATING_TABLE);
            Schema.writeMeta(c, Schema.COMMIT_INDEX, last.index());
            Schema.writeMeta(c, Schema.HIGHEST_EPOCH, highestEpoch(c));
            Schema.writeMeta(c, Schema.SCHEMA_VERSION, 2);
            beforeCommit.accept(last.index());
            c.commit();
            StoreConnection.sync(c);
            LOG.info("Upgraded the operation log database from schema 1 to 2: {} entries, commit index {}",
                    migrated, last.index());
        } catch (SQLException | RuntimeException e) {
            try {
                c.rollback();
            } catch (SQLException r) {
                e.addSuppressed(r);
            }
            throw e;
        }
    }

    /** Step 3: drops the schema-1 table and gives the new one its name (idempotent, see the class comment). */
    static void finish(Connection c) throws SQLException {
        if (!Schema.tableExists(c, Schema.MIGRATING_TABLE.toUpperCase())) {
            return;
        }
        try (Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS oplog");
            s.execute("ALTER TABLE " + Schema.MIGRATING_TABLE + " RENAME TO oplog");
        }
        c.commit();
        StoreConnection.sync(c);
    }

    /** The first schema-1 row from {@code from} on that is missing, unreadable or corrupt, or null. */
    private static Damage verify(Connection c, long from) throws SQLException {
        long expected = from;
        try (PreparedStatement ps = c.prepareStatement("SELECT " + LegacyEntry.COLUMNS
                + " FROM oplog WHERE idx >= ? ORDER BY idx")) {
            ps.setLong(1, from);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    LegacyEntry row = LegacyEntry.read(rs);
                    if (row.index() != expected) {
                        return new Damage(expected, "entry " + expected + " is missing (gap: the next stored entry is "
                                + row.index() + ")");
                    }
                    try {
                        row.upgrade();
                    } catch (EntryTable.UnreadableRowException e) {
                        return new Damage(expected, e.getMessage());
                    }
                    expected++;
                }
            }
        }
        return null;
    }

    /** Copies the (verified) rows with {@code from <= idx < end} to the new table; returns how many. */
    private static int copy(Connection c, long from, long end) throws SQLException {
        int copied = 0;
        try (PreparedStatement ps = c.prepareStatement("SELECT " + LegacyEntry.COLUMNS
                + " FROM oplog WHERE idx >= ? AND idx < ? ORDER BY idx")) {
            ps.setLong(1, from);
            ps.setLong(2, end);
            try (ResultSet rs = ps.executeQuery()) {
                List<LogEntry> batch = new ArrayList<>(BATCH);
                while (rs.next()) {
                    try {
                        batch.add(LegacyEntry.read(rs).upgrade());
                    } catch (EntryTable.UnreadableRowException e) {
                        // verify() accepted every row of this range in the same transaction.
                        throw new SQLException("row changed during the upgrade: " + e.getMessage(), e);
                    }
                    if (batch.size() == BATCH) {
                        EntryTable.insert(c, Schema.MIGRATING_TABLE, batch);
                        copied += batch.size();
                        batch.clear();
                    }
                }
                EntryTable.insert(c, Schema.MIGRATING_TABLE, batch);
                copied += batch.size();
            }
        }
        return copied;
    }

    /** Copies the schema-1 rows {@code damage.index() <= idx <= through} to {@code oplog_rejected} as found. */
    private static int quarantine(Connection c, Damage damage, long through, Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO oplog_rejected (" + LegacyEntry.COLUMNS
                + ", entry_format, reason, rejected_at) SELECT " + LegacyEntry.COLUMNS
                + ", 1, CASE WHEN idx = ? THEN ? ELSE ? END, ? FROM oplog WHERE idx >= ? AND idx <= ? ORDER BY idx")) {
            ps.setLong(1, damage.index());
            ps.setString(2, REASON + damage.reason());
            ps.setString(3, REASON + "after corrupt entry " + damage.index());
            ps.setObject(4, EntryTable.rejectedAt(now));
            ps.setLong(5, damage.index());
            ps.setLong(6, through);
            return ps.executeUpdate();
        }
    }

    private static long newestIntactSnapshot(Connection c) throws SQLException {
        for (SnapshotTable.Stored s : SnapshotTable.listNewestFirst(c)) {
            if (s.intact()) {
                return s.index();
            }
        }
        return 0;
    }

    private static void deleteSnapshotsBelow(Connection c, long index) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM snapshot WHERE idx < ?")) {
            ps.setLong(1, index);
            ps.executeUpdate();
        }
    }

    private static long highestEpoch(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT GREATEST((SELECT COALESCE(MAX(epoch), 0) FROM "
                     + Schema.MIGRATING_TABLE + "), (SELECT COALESCE(MAX(epoch), 0) FROM snapshot))")) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    /** The first schema-1 row that cannot be migrated. */
    private record Damage(long index, String reason) {
    }
}
