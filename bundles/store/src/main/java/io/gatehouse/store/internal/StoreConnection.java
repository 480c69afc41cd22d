package io.gatehouse.store.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one JDBC connection to the database, the {@link AcknowledgedIndex} beside it, and the file-size
 * housekeeping. Not thread-safe: {@link H2OperationLog} uses it under its lock.
 *
 * <p>Opening checks, in this order, that the directory is usable, that the acknowledged-index record is
 * readable, that the database file exists if anything was ever acknowledged, that H2 can open it, and that
 * it holds at least the acknowledged index; each failure is a {@link StoreOpenException} of its own kind,
 * and a refused database is closed without writing to it.
 *
 * <p>Compaction: the database is opened with {@code REUSE_SPACE=FALSE} (see {@link StoreLocation#jdbcUrl}),
 * so the file only grows while it is open. When it has grown past {@code compactAbove}, the rows are
 * copied into a new database file ({@link Compaction}), which is closed, forced to the disk, opened again
 * and compared with the original before it atomically replaces it; then the connection is opened on the
 * new file. A crash at any point leaves either the old file or the complete new one in place (a
 * leftover half-written copy is deleted at the next open). If the reopen fails, the next call tries again
 * and reports the failure as an {@link IOException}.
 */
final class StoreConnection {

    /** The file may grow to at least this before it is compacted. */
    static final long MIN_REOPEN_SIZE = 32L * 1024 * 1024;

    /**
     * ... and to this many times its size right after the last compaction (live data that large is
     * compacted less often). Not the size at open: with every chunk appended, the file only grows, and a
     * threshold taken at each open would let it grow without bound across restarts.
     */
    private static final int GROWTH_FACTOR = 4;

    private static final Logger LOG = LoggerFactory.getLogger(StoreConnection.class);

    private final StoreLocation location;
    private final long minReopenSize;
    private Connection connection;
    private AcknowledgedIndex acknowledged;
    private boolean closed;
    private long compactAbove;

    private StoreConnection(StoreLocation location, long minReopenSize) {
        this.location = location;
        this.minReopenSize = minReopenSize;
        this.compactAbove = minReopenSize;
    }

    /**
     * Makes the directory its owner's only, saying so; a directory this process may not change (another
     * owner, a shared group folder an operator set up) is left as it is, with a warning: it is not a reason
     * to refuse to open the log.
     */
    private static void restrict(Path directory) {
        try {
            if (StoreFiles.ownerOnly(directory)) {
                LOG.info("Made {} its owner's only (rwx------): the operation log holds TLSCertificate keys", directory);
            }
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            LOG.warn("Could not make {} its owner's only ({}); the operation log holds TLSCertificate keys: keep other"
                    + " users out of it", directory, e.toString());
        }
    }

    /**
     * Opens the database, creating the directory, the file and the tables when nothing was stored yet. The
     * directory is made the owner's only (it holds configuration secrets: TLSCertificate keys; H2 and the
     * compaction make files with the default permissions).
     *
     * @throws StoreOpenException naming what is wrong (see {@link StoreOpenException.Kind})
     */
    static StoreConnection open(StoreLocation location, long minReopenSize) throws StoreOpenException {
        Path directory = location.directory();
        try {
            Files.createDirectories(directory);
            restrict(directory);
            deleteDatabaseFiles(location.compactionTarget());
        } catch (IOException e) {
            throw new StoreOpenException(StoreOpenException.Kind.DIRECTORY, "cannot create or use the directory "
                    + directory + ": " + e, e);
        }
        Path record = location.acknowledgedFile();
        OptionalLong recorded;
        try {
            recorded = AcknowledgedIndex.read(record);
        } catch (AcknowledgedIndex.DamagedException e) {
            throw new StoreOpenException(StoreOpenException.Kind.RECORD_DAMAGED, e.getMessage(), e);
        } catch (IOException e) {
            throw new StoreOpenException(StoreOpenException.Kind.IO, "cannot read " + record + ": " + e, e);
        }
        long ack = recorded.orElse(0);
        if (ack > 0 && !Files.exists(location.databaseFile())) {
            throw new StoreOpenException(StoreOpenException.Kind.MISSING, "the database file "
                    + location.databaseFile() + " does not exist, but index " + ack + " was acknowledged ("
                    + record + ")", null, -1, ack);
        }
        StoreConnection store = new StoreConnection(location, minReopenSize);
        long commit = store.connect(ack);
        try {
            // At least the recorded index (checked by connect), unless an upgrade set entries aside and
            // lowered the record before it committed.
            store.acknowledged = AcknowledgedIndex.open(record, commit);
        } catch (IOException e) {
            StoreOpenException failure = new StoreOpenException(StoreOpenException.Kind.NOT_WRITABLE,
                    "cannot write " + record + ": " + e, e);
            store.close();
            throw failure;
        }
        return store;
    }

    Path databaseFile() {
        return location.databaseFile();
    }

    /** The acknowledged-index record (open while this is). */
    AcknowledgedIndex acknowledged() {
        return acknowledged;
    }

    /**
     * The open connection (reopened if a compaction's reopen failed before).
     *
     * @throws IOException when closed, or when the database cannot be reopened
     */
    Connection get(String what) throws IOException {
        if (closed) {
            throw new IOException(what + ": the operation log is closed");
        }
        if (connection == null) {
            connect(acknowledged.get());
        }
        return connection;
    }

    /**
     * Opens the database, refuses it when its committed log holds less than {@code mustHold} (a lower commit
     * index, or committed entries missing), and prepares the tables (upgrading a schema-1 database).
     *
     * @return the database's commit index once prepared
     */
    private long connect(long mustHold) throws StoreOpenException {
        Connection c;
        try {
            c = new org.h2.Driver().connect(location.jdbcUrl(), location.connectionProperties());
        } catch (SQLException e) {
            throw StoreOpenException.of(e, location);
        }
        try {
            c.setAutoCommit(false);
            // Read only: a refused database is closed without a write.
            Schema.AsFound found = Schema.asFound(c);
            long holds = Math.min(found.lastIndex(), found.commitIndex());
            long required = Math.max(mustHold, found.commitIndex());
            if (holds < required) {
                String what = found.lastIndex() < found.commitIndex()
                        ? "ends at index " + found.lastIndex() + " below its own commit index " + found.commitIndex()
                        : "has commit index " + found.commitIndex();
                throw new StoreOpenException(StoreOpenException.Kind.BEHIND, "the database "
                        + location.databaseFile() + " " + what + " but index " + required
                        + " was committed and acknowledged (" + location.acknowledgedFile() + ")", null, holds,
                        required);
            }
            Schema.createOrVerify(c, commit -> lowerRecord(commit, mustHold));
            c.commit();
            sync(c);
            connection = c;
            return Schema.meta(c, Schema.COMMIT_INDEX);
        } catch (SQLException e) {
            StoreOpenException failure = StoreOpenException.of(e, location);
            abandon(c, failure);
            throw failure;
        } catch (StoreOpenException e) {
            abandon(c, e);
            throw e;
        }
    }

    /**
     * Before an upgrade commits with entries set aside (damaged schema-1 rows): the record must never claim
     * more than the database holds, or the next open would refuse it.
     */
    private void lowerRecord(long commit, long recorded) throws SQLException {
        if (commit >= recorded) {
            return;
        }
        try (AcknowledgedIndex record = AcknowledgedIndex.open(location.acknowledgedFile(), commit)) {
            LOG.warn("Lowered {} from {} to {}: the upgrade set damaged entries aside", location.acknowledgedFile(),
                    recorded, record.get());
        } catch (IOException e) {
            throw new SQLException("cannot lower " + location.acknowledgedFile() + " to " + commit + ": " + e, e);
        }
    }

    /** Closes a database that was refused or failed to open, without writing anything more to its file. */
    private static void abandon(Connection c, Exception failure) {
        try (Statement s = c.createStatement()) {
            s.execute("SHUTDOWN IMMEDIATELY");
        } catch (SQLException e) {
            failure.addSuppressed(e);
        }
        closeConnection(c, failure);
    }

    /** Forces committed data to the disk (H2 writes on commit but does not fsync). */
    static void sync(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("CHECKPOINT SYNC");
        }
    }

    /** After a committed write: compacts the file when it has grown too much (see the class comment). */
    void compactIfGrown() {
        long before = fileSize();
        if (connection == null || before <= compactAbove) {
            return;
        }
        try {
            compact();
            long after = fileSize();
            compactAbove = Math.max(minReopenSize, GROWTH_FACTOR * after);
            LOG.info("Compacted the operation log database {} from {} to {} bytes", location.databaseFile(),
                    before, after);
        } catch (IOException | SQLException e) {
            // Not again after every write: only once the file has doubled.
            compactAbove = 2 * before;
            LOG.error("Compacting the operation log database {} failed; it keeps its current file: {}",
                    location.databaseFile(), e.toString(), e);
        }
    }

    private void compact() throws IOException, SQLException {
        StoreLocation target = location.compactionTarget();
        deleteDatabaseFiles(target);
        String expected = Compaction.fingerprint(connection);
        try {
            try (Connection t = new org.h2.Driver().connect(target.jdbcUrl(), target.connectionProperties())) {
                t.setAutoCommit(false);
                Schema.createOrVerify(t, commit -> {
                });
                Compaction.copy(connection, t);
                t.commit();
                try (Statement s = t.createStatement()) {
                    s.execute("SHUTDOWN");
                }
            }
            StoreFiles.sync(target.databaseFile());
            // Check what is on the disk, not what the writing connection saw.
            try (Connection t = new org.h2.Driver().connect(target.jdbcUrl(), target.connectionProperties())) {
                String copied = Compaction.fingerprint(t);
                try (Statement s = t.createStatement()) {
                    s.execute("SHUTDOWN");
                }
                if (!copied.equals(expected)) {
                    throw new IOException("the compacted copy differs from the database (" + copied + " instead of "
                            + expected + ")");
                }
            }
        } catch (IOException | SQLException | RuntimeException e) {
            try {
                deleteDatabaseFiles(target);
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
        IOException closing = new IOException("closing " + location.databaseFile() + " before replacing it failed");
        closeConnection(connection, closing);
        connection = null;
        if (closing.getSuppressed().length > 0) {
            deleteDatabaseFiles(target);
            throw closing;
        }
        StoreFiles.replace(target.databaseFile(), location.databaseFile());
        try {
            connect(acknowledged.get());
        } catch (StoreOpenException e) {
            LOG.error("Reopening the operation log database after compacting it failed; it is retried on the "
                    + "next call: {}", e.getMessage(), e);
        }
    }

    /** Deletes a database's files (a leftover compaction target). */
    private static void deleteDatabaseFiles(StoreLocation db) throws IOException {
        Files.deleteIfExists(db.databaseFile());
        Files.deleteIfExists(db.directory().resolve(db.databaseName() + ".trace.db"));
    }

    private long fileSize() {
        try {
            return Files.size(location.databaseFile());
        } catch (IOException e) {
            // Only the housekeeping depends on it: no compaction rather than a failed write.
            LOG.warn("Cannot read the size of {}: {}", location.databaseFile(), e.toString());
            return 0;
        }
    }

    /** Closes the database for good; returns the failure (with the causes suppressed), or null. */
    IOException close() {
        closed = true;
        IOException failure = new IOException("closing the operation log database " + location.databaseFile()
                + " failed");
        if (connection != null) {
            closeConnection(connection, failure);
            connection = null;
        }
        if (acknowledged != null) {
            try {
                acknowledged.close();
            } catch (IOException e) {
                failure.addSuppressed(e);
            }
        }
        return failure.getSuppressed().length > 0 ? failure : null;
    }

    private static void closeConnection(Connection c, Exception failure) {
        try {
            c.close();
        } catch (SQLException e) {
            failure.addSuppressed(e);
        }
    }
}
