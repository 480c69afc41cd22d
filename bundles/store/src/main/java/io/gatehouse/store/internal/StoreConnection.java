package io.gatehouse.store.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one JDBC connection to the database, and the file-size housekeeping H2 does not do on its own here.
 * Not thread-safe: {@link H2OperationLog} uses it under its lock.
 *
 * <p>Why the reopen: with a synchronous commit and fsync per write, H2 writes a new chunk per
 * transaction and reuses the space of old chunks only partly while the database is open (measured: tens
 * of MB after a few thousand small writes for well under 1 MB of live data). Closing the database
 * compacts the file, so when the file has grown past {@code reopenAbove} the connection is closed and
 * opened again, between two transactions. If that reopen fails, the next call tries again and reports
 * the failure as an {@link IOException}.
 */
final class StoreConnection {

    /** The file may grow to at least this before it is compacted by a reopen. */
    static final long MIN_REOPEN_SIZE = 32L * 1024 * 1024;

    /** ... and to this many times its size right after the last open. */
    private static final int GROWTH_FACTOR = 4;

    private static final Logger LOG = LoggerFactory.getLogger(StoreConnection.class);

    private final StoreLocation location;
    private final long minReopenSize;
    private Connection connection;
    private boolean closed;
    private long reopenAbove;

    private StoreConnection(StoreLocation location, long minReopenSize) {
        this.location = location;
        this.minReopenSize = minReopenSize;
    }

    /**
     * Opens the database, creating the directory, the file and the tables when missing.
     *
     * @throws IOException when it cannot be opened or prepared (message names the file)
     */
    static StoreConnection open(StoreLocation location, long minReopenSize) throws IOException {
        Files.createDirectories(location.directory());
        StoreConnection store = new StoreConnection(location, minReopenSize);
        store.connect();
        return store;
    }

    Path databaseFile() {
        return location.databaseFile();
    }

    /**
     * The open connection (reopened if a compaction reopen failed before).
     *
     * @throws IOException when closed, or when the database cannot be reopened
     */
    Connection get(String what) throws IOException {
        if (closed) {
            throw new IOException(what + ": the operation log is closed");
        }
        if (connection == null) {
            connect();
        }
        return connection;
    }

    private void connect() throws IOException {
        Connection c;
        try {
            c = new org.h2.Driver().connect(location.jdbcUrl(), location.connectionProperties());
        } catch (SQLException e) {
            throw new IOException("cannot open the operation log database " + location.databaseFile() + ": "
                    + e.getMessage(), e);
        }
        try {
            c.setAutoCommit(false);
            Schema.createOrVerify(c);
            c.commit();
            sync(c);
        } catch (SQLException e) {
            IOException failure = new IOException("cannot prepare the operation log database "
                    + location.databaseFile() + ": " + e.getMessage(), e);
            closeConnection(c, failure);
            throw failure;
        }
        connection = c;
        reopenAbove = Math.max(minReopenSize, GROWTH_FACTOR * fileSize());
    }

    /** Forces committed data to the disk (H2 writes on commit but does not fsync). */
    static void sync(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("CHECKPOINT SYNC");
        }
    }

    /** After a committed write: compacts the file by a close and reopen when it has grown too much. */
    void compactIfGrown() {
        long before = fileSize();
        if (connection == null || before <= reopenAbove) {
            return;
        }
        IOException failure = new IOException("closing the operation log database " + location.databaseFile()
                + " to compact it failed");
        closeConnection(connection, failure);
        connection = null;
        if (failure.getSuppressed().length > 0) {
            LOG.error("{}; it is reopened on the next call", failure.getMessage(), failure);
            return;
        }
        try {
            connect();
            LOG.info("Compacted the operation log database {} from {} to {} bytes", location.databaseFile(),
                    before, fileSize());
        } catch (IOException e) {
            LOG.error("Reopening the operation log database after compacting it failed; it is retried on "
                    + "the next call: {}", e.getMessage(), e);
        }
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
        if (connection == null) {
            return null;
        }
        IOException failure = new IOException("closing the operation log database " + location.databaseFile()
                + " failed");
        closeConnection(connection, failure);
        connection = null;
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
