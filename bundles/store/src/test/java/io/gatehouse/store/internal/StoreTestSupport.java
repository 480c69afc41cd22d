package io.gatehouse.store.internal;

import io.gatehouse.api.log.Change;
import io.gatehouse.api.log.LogEntry;
import io.gatehouse.api.log.Operation;
import java.io.File;
import java.io.IOException;
import java.lang.annotation.Annotation;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.After;
import org.junit.Rule;
import org.junit.rules.TemporaryFolder;

/** Opens logs on a temporary directory and closes every one of them after the test. */
abstract class StoreTestSupport {

    /** Timestamp with a non-zero nanosecond part, to prove nanos survive the round trip. */
    static final Instant NOW = Instant.ofEpochSecond(1_700_000_000L, 123_456_789);

    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    private final List<H2OperationLog> opened = new ArrayList<>();

    @After
    public void closeAll() {
        opened.forEach(H2OperationLog::deactivate);
    }

    /** A log on {@code dir} (database "oplog"), activated like DS would. */
    H2OperationLog open(File dir) throws IOException {
        return open(dir, 10_000);
    }

    H2OperationLog open(File dir, int maxRejected) throws IOException {
        return open(dir, maxRejected, StoreConnection.MIN_REOPEN_SIZE);
    }

    H2OperationLog open(File dir, int maxRejected, long minReopenSize) throws IOException {
        H2OperationLog log = new H2OperationLog(Clock.fixed(NOW, ZoneOffset.UTC), name -> null, minReopenSize);
        log.activate(config(dir.getPath(), "oplog", maxRejected));
        opened.add(log);
        return log;
    }

    /** Direct JDBC access to the database of {@code dir}, for tampering with rows (log closed first). */
    Connection jdbc(File dir) throws SQLException {
        StoreLocation where = StoreLocation.resolve(dir.getPath(), "oplog", name -> null);
        Connection c = new org.h2.Driver().connect(where.jdbcUrl(), where.connectionProperties());
        c.setAutoCommit(true);
        return c;
    }

    static Change put(String kind, String name, String json) {
        return new Change(Operation.PUT, kind, name, json.getBytes(StandardCharsets.UTF_8));
    }

    static Change delete(String kind, String name) {
        return new Change(Operation.DELETE, kind, name, null);
    }

    /** What the core does for one write request on a single node: append, then commit it. */
    static LogEntry write(H2OperationLog log, long epoch, Change... changes) throws IOException {
        LogEntry entry = log.append(epoch, "req-" + changes.length + "-" + System.nanoTime(), List.of(changes));
        log.commitTo(entry.index());
        return entry;
    }

    /** The only change of a single-change entry. */
    static Change only(LogEntry entry) {
        if (entry.changes().size() != 1) {
            throw new AssertionError("expected one change in " + entry);
        }
        return entry.changes().get(0);
    }

    static H2OperationLog.Config config(String directory, String databaseName, int maxRejected) {
        return new H2OperationLog.Config() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return H2OperationLog.Config.class;
            }

            @Override
            public String directory() {
                return directory;
            }

            @Override
            public String databaseName() {
                return databaseName;
            }

            @Override
            public int maxRejectedEntries() {
                return maxRejected;
            }
        };
    }
}
