package io.gatehouse.store.internal;

import io.gatehouse.api.log.Change;
import io.gatehouse.api.log.LogCorruption;
import io.gatehouse.api.log.LogEntry;
import io.gatehouse.api.log.LogListener;
import io.gatehouse.api.log.OperationLog;
import io.gatehouse.api.log.ReadResult;
import io.gatehouse.api.log.Snapshot;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.ToLongFunction;
import java.util.function.UnaryOperator;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link OperationLog} on an embedded H2 file database.
 *
 * <p>Why it looks like this:
 * <ul>
 *   <li>One connection behind one lock: configuration writes are rare and serialized by the core anyway,
 *   and a single writer makes "next index = last + 1" trivially race-free.</li>
 *   <li>Durability: {@code WRITE_DELAY=0} makes H2 write the commit's chunk inside {@code commit()}, but
 *   H2 does not fsync on commit; every write transaction is therefore followed by {@code CHECKPOINT SYNC}
 *   ({@code FileChannel.force}) before the method returns. {@code REUSE_SPACE=FALSE} keeps every commit
 *   reachable after a crash (H2 appends each chunk at the end of the file, where it looks first; see
 *   {@link StoreLocation#jdbcUrl}).</li>
 *   <li>No silent rollback: after each durable write that raises the commit index ({@link #commitTo},
 *   {@link #installSnapshot}), the new commit index is recorded in {@link AcknowledgedIndex}; a database that
 *   opens with a lower commit index, or without the committed entries (a truncated or replaced file), is
 *   refused, like a damaged one, with a report for the operator ({@link FailureReport}) instead of starting
 *   with an older or empty configuration. The commit index is what clients were answered for.</li>
 *   <li>The commit index and the highest epoch seen are rows of {@code gatehouse_meta}, written with the
 *   same discipline as the entries (committed and forced before the method returns). The commit index only
 *   grows, and entries at or below it are never truncated; the highest epoch only grows and is at least
 *   every stored epoch.</li>
 *   <li>Nothing is silently lost: {@link #truncateAfter} moves the removed rows to {@code oplog_rejected}
 *   (reason {@code truncated}, or the corruption the last {@link #read} reported at that index) instead of
 *   deleting them. The core drops a corrupt tail with {@code truncateAfter(corruption.index() - 1)}, which
 *   is how the quarantine described in the architecture happens. The table keeps the newest
 *   {@code maxRejectedEntries} rows.</li>
 *   <li>Snapshots: the newest two are kept, so that a corrupt newest snapshot can fall back to the older
 *   one. For that fallback to be replayable, {@link #compactUpTo} physically removes entries only up to
 *   the older retained intact snapshot (never beyond the requested index): the entries between the two
 *   snapshots stay until the next snapshot and compaction. The log therefore holds at most about two
 *   snapshot intervals of entries.</li>
 *   <li>Epochs never go backwards: an append with an epoch lower than the log's last epoch or than the
 *   highest epoch seen is refused, so a deposed writer cannot extend the log.</li>
 *   <li>{@link LogListener}s (a dynamic whiteboard) are told after the commit index advanced or a snapshot
 *   was installed, on the calling thread, after the lock was released.</li>
 *   <li>The file is compacted by copying the rows into a new file that atomically replaces it when it has
 *   grown a lot (see {@link StoreConnection}).</li>
 *   <li>A caller's interrupt flag is cleared for the duration of a call and restored afterwards, so an
 *   interrupt cannot close H2's file channel in the middle of a write (the URL also uses H2's
 *   {@code retry:} file system for the same reason).</li>
 * </ul>
 */
@Component(service = OperationLog.class, configurationPid = H2OperationLog.PID, immediate = true)
@Designate(ocd = H2OperationLog.Config.class)
public class H2OperationLog implements OperationLog {

    /** Configuration PID. */
    public static final String PID = "io.gatehouse.store";

    /** Configuration of the store. */
    @ObjectClassDefinition(name = "Gatehouse operation log store",
            description = "Where the H2 database holding the operation log and snapshots lives.")
    public @interface Config {
        @AttributeDefinition(name = "Directory", description = "Directory of the database files. "
                + "${name} is replaced by the system property 'name'; ${karaf.data} falls back to ./data.")
        String directory() default "${karaf.data}/gatehouse";

        @AttributeDefinition(name = "Database name", description = "File name stem of the database "
                + "(letters, digits, '_' and '-'); H2 adds .mv.db.")
        String databaseName() default "oplog";

        @AttributeDefinition(name = "Quarantined entries kept", description = "How many rows of "
                + "oplog_rejected are kept; older ones are deleted.", min = "1")
        int maxRejectedEntries() default 10_000;
    }

    private static final Logger LOG = LoggerFactory.getLogger(H2OperationLog.class);

    private final ReentrantLock lock = new ReentrantLock();
    private final LogListeners listeners = new LogListeners();
    private final Clock clock;
    private final UnaryOperator<String> systemProperties;

    private final long minReopenSize;

    // Guarded by lock.
    private StoreConnection store;
    private int maxRejected;
    private LogCorruption lastCorruption;

    /** Used by DS. */
    public H2OperationLog() {
        this(Clock.systemUTC(), System::getProperty, StoreConnection.MIN_REOPEN_SIZE);
    }

    /** For tests: a fixed clock, system properties and file size that triggers a compaction. */
    H2OperationLog(Clock clock, UnaryOperator<String> systemProperties, long minReopenSize) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.systemProperties = Objects.requireNonNull(systemProperties, "systemProperties");
        this.minReopenSize = minReopenSize;
    }

    /**
     * Opens (creating if needed) the database and its tables.
     *
     * @throws IllegalArgumentException when the configuration is unusable (message names the setting)
     * @throws IOException              when the directory or the database cannot be opened
     */
    @Activate
    public void activate(Config config) throws IOException {
        if (config.maxRejectedEntries() < 1) {
            throw new IllegalArgumentException("maxRejectedEntries: must be at least 1, got "
                    + config.maxRejectedEntries());
        }
        StoreLocation where = StoreLocation.resolve(config.directory(), config.databaseName(), systemProperties);
        lock.lock();
        try {
            if (store != null) {
                throw new IllegalStateException("already active on " + store.databaseFile());
            }
            try {
                store = StoreConnection.open(where, minReopenSize);
            } catch (StoreOpenException e) {
                String report = FailureReport.write(where, e, clock.instant());
                LOG.error("The operation log cannot be opened; the configuration service will not start.\n{}",
                        report, e);
                throw e;
            }
            maxRejected = config.maxRejectedEntries();
        } finally {
            lock.unlock();
        }
        try {
            FailureReport.clear(where);
        } catch (IOException e) {
            LOG.warn("Cannot delete the old failure report {}: {}", where.failureFile(), e.toString());
        }
        EntryTable.Position last = call("open", false, EntryTable::lastPosition);
        LOG.info("Operation log opened at {}: last index {}, epoch {}, commit index {}", where.databaseFile(),
                last.index(), last.epoch(), commitIndex());
    }

    /** Binds a {@link LogListener} (whiteboard); it is told of every later commit and snapshot install. */
    @Reference(service = LogListener.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY,
            unbind = "removeListener")
    void addListener(LogListener listener) {
        listeners.add(listener);
    }

    void removeListener(LogListener listener) {
        listeners.remove(listener);
    }

    /** For tests: whether the calling thread holds the store's lock. */
    boolean holdsLock() {
        return lock.isHeldByCurrentThread();
    }

    /** Closes the database; calls made afterwards fail with an {@link IOException}. */
    @Deactivate
    public void deactivate() {
        lock.lock();
        try {
            if (store == null) {
                return;
            }
            IOException failure = store.close();
            if (failure != null) {
                LOG.error("Operation log: {}", failure.getMessage(), failure);
            } else {
                LOG.info("Operation log closed: {}", store.databaseFile());
            }
            store = null;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public LogEntry append(long epoch, String requestId, List<Change> changes) throws IOException {
        Objects.requireNonNull(changes, "changes");
        for (Change change : changes) {
            Objects.requireNonNull(change, "changes must not contain null");
        }
        if (epoch < 1) {
            throw new IllegalArgumentException("epoch must be at least 1, got " + epoch);
        }
        return call("append", true, c -> {
            EntryTable.Position last = EntryTable.lastPosition(c);
            if (epoch < last.epoch()) {
                throw new IllegalArgumentException("epoch " + epoch + " is older than the log's last epoch "
                        + last.epoch());
            }
            long highest = Schema.meta(c, Schema.HIGHEST_EPOCH);
            if (epoch < highest) {
                // A writer that a newer leadership has deposed must not extend the log (fencing).
                throw new IllegalArgumentException("epoch " + epoch + " is older than the highest epoch seen, "
                        + highest);
            }
            LogEntry entry = LogEntry.of(last.index() + 1, epoch, clock.instant(), requestId, changes);
            EntryTable.insert(c, List.of(entry));
            raiseHighestEpoch(c, epoch, highest);
            return entry;
        });
    }

    @Override
    public void appendEntries(List<LogEntry> entries) throws IOException {
        Objects.requireNonNull(entries, "entries");
        if (entries.isEmpty()) {
            return;
        }
        call("appendEntries", true, c -> {
            EntryTable.Position last = EntryTable.lastPosition(c);
            long expected = last.index() + 1;
            long epoch = last.epoch();
            for (int i = 0; i < entries.size(); i++) {
                LogEntry e = Objects.requireNonNull(entries.get(i), "entries must not contain null");
                String at = "entries[" + i + "] (index " + e.index() + ")";
                if (e.index() != expected) {
                    throw new IllegalArgumentException(at + " does not continue the log: expected index "
                            + expected);
                }
                if (!e.intact()) {
                    throw new IllegalArgumentException(at + " is corrupt: checksum mismatch");
                }
                if (e.epoch() < 1 || e.epoch() < epoch) {
                    throw new IllegalArgumentException(at + " has epoch " + e.epoch()
                            + ", lower than the preceding epoch " + Math.max(1, epoch));
                }
                epoch = e.epoch();
                expected++;
            }
            EntryTable.insert(c, entries);
            raiseHighestEpoch(c, epoch, Schema.meta(c, Schema.HIGHEST_EPOCH));
            return null;
        });
    }

    /** Storing an entry of an epoch means having seen it: {@link #highestEpoch()} stays >= every stored epoch. */
    private static void raiseHighestEpoch(Connection c, long epoch, long highest) throws SQLException {
        if (epoch > highest) {
            Schema.writeMeta(c, Schema.HIGHEST_EPOCH, epoch);
        }
    }

    @Override
    public long lastIndex() throws IOException {
        return call("lastIndex", false, EntryTable::lastPosition).index();
    }

    @Override
    public long lastEpoch() throws IOException {
        return call("lastEpoch", false, EntryTable::lastPosition).epoch();
    }

    @Override
    public long firstIndex() throws IOException {
        return call("firstIndex", false, c -> EntryTable.any(c)
                ? Schema.meta(c, Schema.COMPACTED_THROUGH) + 1
                : EntryTable.lastPosition(c).index() + 1);
    }

    @Override
    public ReadResult read(long fromIndex, int max) throws IOException {
        if (fromIndex < 1) {
            throw new IllegalArgumentException("fromIndex must be at least 1, got " + fromIndex);
        }
        if (max < 0) {
            throw new IllegalArgumentException("max must not be negative, got " + max);
        }
        if (max == 0) {
            return new ReadResult(List.of(), Optional.empty());
        }
        return call("read", false, c -> {
            long compacted = Schema.meta(c, Schema.COMPACTED_THROUGH);
            if (fromIndex <= compacted) {
                throw new IllegalArgumentException("entries up to " + compacted
                        + " were compacted; read from a snapshot's index + 1 instead of " + fromIndex);
            }
            ReadResult result = EntryTable.read(c, fromIndex, max);
            result.corruption().ifPresent(found -> {
                lastCorruption = found;
                LOG.warn("Operation log entry {} cannot be trusted: {}", found.index(), found.reason());
            });
            return result;
        });
    }

    @Override
    public int truncateAfter(long index) throws IOException {
        if (index < 0) {
            throw new IllegalArgumentException("index must not be negative, got " + index);
        }
        return call("truncateAfter", true, c -> {
            long commit = Schema.meta(c, Schema.COMMIT_INDEX);
            if (index < commit) {
                throw new IllegalStateException("cannot truncate after " + index + ": entries up to the commit index "
                        + commit + " are committed");
            }
            long compacted = Schema.meta(c, Schema.COMPACTED_THROUGH);
            if (index < compacted) {
                throw new IllegalArgumentException("cannot truncate after " + index + ": entries up to "
                        + compacted + " were compacted");
            }
            for (SnapshotTable.Stored s : SnapshotTable.listNewestFirst(c)) {
                if (s.index() <= index) {
                    break;
                }
                if (s.intact()) {
                    throw new IllegalArgumentException("cannot truncate after " + index
                            + ": the intact snapshot at " + s.index() + " includes the entries after it");
                }
                SnapshotTable.delete(c, s.index());
                LOG.error("Deleted the corrupt snapshot at {} ({}) because the log is truncated after {}",
                        s.index(), s.problem(), index);
            }
            // The acknowledged-index record holds the commit index, which a truncation never goes below.
            LogCorruption known = lastCorruption;
            String first = "truncated";
            String rest = "truncated";
            if (known != null && known.index() == index + 1) {
                first = "truncated: " + known.reason();
                rest = "truncated after corrupt entry " + known.index();
            }
            int moved = EntryTable.moveToRejected(c, index, first, rest, clock.instant());
            EntryTable.pruneRejected(c, maxRejected);
            lastCorruption = null;
            if (moved > 0) {
                LOG.warn("Moved {} operation log entries after index {} to oplog_rejected ({})", moved, index,
                        first);
            }
            return moved;
        });
    }

    @Override
    public long commitIndex() throws IOException {
        return call("commitIndex", false, c -> Schema.meta(c, Schema.COMMIT_INDEX));
    }

    @Override
    public void commitTo(long index) throws IOException {
        // Most calls repeat the current value (every heartbeat carries it): no write, no fsync for those.
        if (index <= commitIndex()) {
            return;
        }
        boolean raised = call("commitTo", true, c -> {
            long commit = Schema.meta(c, Schema.COMMIT_INDEX);
            if (index <= commit) {
                return false;
            }
            long last = EntryTable.lastPosition(c).index();
            if (index > last) {
                throw new IllegalArgumentException("cannot commit up to " + index + ": the log ends at " + last);
            }
            Schema.writeMeta(c, Schema.COMMIT_INDEX, index);
            return true;
        }, done -> done ? index : 0);
        if (raised) {
            // Outside the lock (call() has released it): a listener may call back into the log.
            listeners.committed(index);
        }
    }

    @Override
    public long highestEpoch() throws IOException {
        return call("highestEpoch", false, c -> Schema.meta(c, Schema.HIGHEST_EPOCH));
    }

    @Override
    public long observeEpoch(long epoch) throws IOException {
        long highest = highestEpoch();
        if (epoch <= highest) {
            return highest;
        }
        return call("observeEpoch", true, c -> {
            long current = Schema.meta(c, Schema.HIGHEST_EPOCH);
            raiseHighestEpoch(c, epoch, current);
            return Math.max(epoch, current);
        });
    }

    @Override
    public void saveSnapshot(Snapshot snapshot) throws IOException {
        checkSnapshot(snapshot);
        call("saveSnapshot", true, c -> {
            long commit = Schema.meta(c, Schema.COMMIT_INDEX);
            if (snapshot.index() > commit) {
                // A snapshot is of the applied state, and only committed entries are applied.
                throw new IllegalArgumentException("snapshot at " + snapshot.index() + " is ahead of the commit index "
                        + commit + " (a leader's snapshot is stored with installSnapshot)");
            }
            EntryTable.Position newest = SnapshotTable.last(c);
            if (newest != null && snapshot.index() < newest.index()) {
                throw new IllegalArgumentException("snapshot at " + snapshot.index()
                        + " is older than the stored snapshot at " + newest.index());
            }
            SnapshotTable.put(c, snapshot);
            SnapshotTable.prune(c);
            return null;
        });
    }

    @Override
    public void installSnapshot(Snapshot snapshot) throws IOException {
        checkSnapshot(snapshot);
        call("installSnapshot", true, c -> {
            long commit = Schema.meta(c, Schema.COMMIT_INDEX);
            if (snapshot.index() < commit) {
                throw new IllegalArgumentException("snapshot at " + snapshot.index()
                        + " is below the commit index " + commit + ": installing it would lower the commit index");
            }
            // Entries above the commit index may differ from the leader's (never acknowledged): set aside.
            // Entries up to it are committed, hence the same on every node, and the snapshot (at or above
            // the commit index) includes them: deleted, like a compaction.
            String reason = "replaced by snapshot " + snapshot.index();
            int moved = EntryTable.moveToRejected(c, commit, reason, reason, clock.instant());
            int dropped = EntryTable.deleteUpTo(c, commit);
            EntryTable.pruneRejected(c, maxRejected);
            // Older snapshots cannot be replayed any more (their entries are gone).
            SnapshotTable.deleteAll(c);
            SnapshotTable.put(c, snapshot);
            Schema.writeMeta(c, Schema.COMPACTED_THROUGH, snapshot.index());
            Schema.writeMeta(c, Schema.COMMIT_INDEX, snapshot.index());
            raiseHighestEpoch(c, snapshot.epoch(), Schema.meta(c, Schema.HIGHEST_EPOCH));
            LOG.info("Installed the snapshot at {} (epoch {}): {} committed entries dropped, {} uncommitted ones moved "
                    + "to oplog_rejected", snapshot.index(), snapshot.epoch(), dropped, moved);
            return null;
        }, ignored -> snapshot.index());
        listeners.snapshotInstalled(snapshot.index());
    }

    private static void checkSnapshot(Snapshot snapshot) {
        Objects.requireNonNull(snapshot, "snapshot");
        if (snapshot.index() < 1 || snapshot.epoch() < 1) {
            throw new IllegalArgumentException("snapshot index and epoch must be at least 1, got index "
                    + snapshot.index() + ", epoch " + snapshot.epoch());
        }
        if (!snapshot.intact()) {
            throw new IllegalArgumentException("snapshot at " + snapshot.index()
                    + " is corrupt: checksum does not match its state");
        }
    }

    @Override
    public Optional<Snapshot> latestSnapshot() throws IOException {
        return call("latestSnapshot", false, c -> {
            List<SnapshotTable.Stored> intact = intactFirst(c, 1);
            return intact.isEmpty() ? Optional.<Snapshot>empty() : Optional.of(intact.get(0).snapshot());
        });
    }

    /** Up to {@code limit} intact snapshots, newest first; corrupt ones met on the way are logged. */
    private static List<SnapshotTable.Stored> intactFirst(Connection c, int limit) throws SQLException {
        List<SnapshotTable.Stored> intact = new ArrayList<>();
        for (SnapshotTable.Stored s : SnapshotTable.listNewestFirst(c)) {
            if (!s.intact()) {
                LOG.error("Snapshot at index {} is corrupt and skipped: {}", s.index(), s.problem());
            } else if (intact.add(s) && intact.size() == limit) {
                break;
            }
        }
        return intact;
    }

    @Override
    public int compactUpTo(long index) throws IOException {
        if (index < 0) {
            throw new IllegalArgumentException("index must not be negative, got " + index);
        }
        return call("compactUpTo", true, c -> {
            long compacted = Schema.readMeta(c, Schema.COMPACTED_THROUGH);
            if (index <= compacted) {
                return 0;
            }
            List<SnapshotTable.Stored> intact = intactFirst(c, SnapshotTable.KEEP);
            if (intact.isEmpty()) {
                throw new IllegalArgumentException("cannot compact up to " + index + ": there is no intact snapshot");
            }
            long latest = intact.get(0).index();
            if (index > latest) {
                throw new IllegalArgumentException("cannot compact up to " + index
                        + ": the latest intact snapshot is at " + latest);
            }
            // Keep what the fallback snapshot needs to be replayed (see the class comment).
            long fallback = intact.size() > 1 ? intact.get(1).index() : 0;
            long bound = Math.min(index, fallback);
            if (bound <= compacted) {
                return 0;
            }
            int removed = EntryTable.deleteUpTo(c, bound);
            Schema.writeMeta(c, Schema.COMPACTED_THROUGH, bound);
            LOG.debug("Compacted {} operation log entries up to {} (requested {})", removed, bound, index);
            return removed;
        });
    }

    private <T> T call(String what, boolean write, SqlWork<T> work) throws IOException {
        return call(what, write, work, null);
    }

    /**
     * Runs one transaction on the connection, under the lock; commits (and, for writes, syncs, records the
     * acknowledged index and does the file housekeeping) on success, rolls back on failure.
     *
     * @param acknowledges for writes that extend the log: the index the log holds once the result is durable
     */
    private <T> T call(String what, boolean write, SqlWork<T> work, ToLongFunction<T> acknowledges)
            throws IOException {
        boolean interrupted = Thread.interrupted();
        lock.lock();
        try {
            if (store == null) {
                throw new IOException(what + ": the operation log is closed");
            }
            Connection c = store.get(what);
            T result;
            try {
                result = work.run(c);
                c.commit();
                if (write) {
                    StoreConnection.sync(c);
                }
            } catch (SQLException e) {
                IOException failure = new IOException(what + " failed on " + store.databaseFile() + ": "
                        + e.getMessage(), e);
                rollback(c, failure);
                throw failure;
            } catch (IOException | RuntimeException e) {
                rollback(c, e);
                throw e;
            }
            if (acknowledges != null) {
                store.acknowledged().raise(acknowledges.applyAsLong(result));
            }
            if (write) {
                store.compactIfGrown();
            }
            return result;
        } finally {
            lock.unlock();
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void rollback(Connection c, Exception cause) {
        try {
            c.rollback();
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }

    /** Work done inside one transaction. */
    @FunctionalInterface
    private interface SqlWork<T> {
        T run(Connection c) throws SQLException, IOException;
    }
}
