package io.gatehouse.api.log;

import java.io.IOException;
import java.util.List;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The durable, ordered operation log (a write-ahead log of configuration changes) and the node's durable
 * replication state: its commit index and the highest epoch it has seen.
 *
 * <p>Contract:
 * <ul>
 *   <li>Indices start at 1 and have no gaps. {@link #append} stamps the next index; {@link #appendEntries}
 *   stores entries already stamped by a leader and checks that they continue the log.</li>
 *   <li>A write returns only once it is durable (forced to the disk); a batch is durable as a whole or not
 *   at all.</li>
 *   <li>Every read verifies checksums and stops at the first corrupt entry, reporting it in the
 *   {@link ReadResult} instead of returning it.</li>
 *   <li>{@link #commitIndex()} only grows, never exceeds {@link #lastIndex()}, and survives a crash. Entries
 *   at or below it are committed: they are never truncated ({@link #truncateAfter} below it is refused) and
 *   are the only entries a state machine may apply.</li>
 *   <li>{@link #highestEpoch()} only grows and survives a crash: a voter refuses entries from an older
 *   epoch once it has seen a newer one.</li>
 *   <li>Snapshots let replay start late; {@link #compactUpTo} may then drop entries a snapshot covers.</li>
 *   <li>After a commit index advances or a snapshot is installed, every registered {@link LogListener}
 *   service is told, outside the log's locks.</li>
 * </ul>
 * Thread-safe. Every method may throw {@link IOException} when the storage fails; the caller must then
 * treat the write as not done.
 */
@ProviderType
public interface OperationLog {

    /**
     * Appends one entry holding {@code changes} (possibly none: a no-op), stamped with {@code epoch} and the
     * next index; returns it once durable.
     *
     * @throws IllegalArgumentException when {@code epoch} is lower than {@link #lastEpoch()}
     */
    LogEntry append(long epoch, String requestId, List<Change> changes) throws IOException;

    /**
     * Stores entries stamped elsewhere. The first must have index {@link #lastIndex()} + 1 and the rest
     * must follow without gaps and with non-decreasing epochs; every entry must be intact.
     *
     * @throws IllegalArgumentException when the entries do not continue the log or a checksum is wrong
     */
    void appendEntries(List<LogEntry> entries) throws IOException;

    /** Index of the last stored entry, or the index of the latest snapshot if the log is empty after it; 0 if nothing. */
    long lastIndex() throws IOException;

    /** Epoch of the last stored entry, or of the latest snapshot if the log is empty after it (0 if none). */
    long lastEpoch() throws IOException;

    /** Index of the first stored entry (the entry after the compacted prefix); {@link #lastIndex()} + 1 when none. */
    long firstIndex() throws IOException;

    /** Reads at most {@code max} entries from {@code fromIndex} (inclusive), verifying every checksum. */
    ReadResult read(long fromIndex, int max) throws IOException;

    /**
     * Removes every entry with an index greater than {@code index}, keeping a copy of them aside; returns how
     * many were removed.
     *
     * @throws IllegalStateException when {@code index} is below the commit index
     */
    int truncateAfter(long index) throws IOException;

    /** The highest committed index (0 if nothing is committed). */
    long commitIndex() throws IOException;

    /**
     * Makes {@code index} the commit index, durably, then tells the {@link LogListener}s. Lower or equal
     * values are ignored (the commit index only grows).
     *
     * @throws IllegalArgumentException when {@code index} is above {@link #lastIndex()}
     */
    void commitTo(long index) throws IOException;

    /** The highest epoch this node has seen (0 if none). */
    long highestEpoch() throws IOException;

    /**
     * Records that {@code epoch} has been seen, durably; returns the highest epoch seen afterwards (so a
     * caller learns in one step whether it was behind).
     */
    long observeEpoch(long epoch) throws IOException;

    /** Stores a snapshot of the applied state (keeping the previous one until this one is durable). */
    void saveSnapshot(Snapshot snapshot) throws IOException;

    /** The latest intact snapshot; a corrupt snapshot is reported in the log and skipped. */
    Optional<Snapshot> latestSnapshot() throws IOException;

    /** Drops entries with index &lt;= {@code index}; only allowed up to the latest snapshot's index. */
    int compactUpTo(long index) throws IOException;

    /**
     * Replaces the whole log by a snapshot received from a leader (a node too far behind to catch up entry
     * by entry): in one durable step, every entry is set aside, the snapshot becomes the latest, the log
     * continues at {@code snapshot.index() + 1} and the commit index becomes {@code snapshot.index()}. Then
     * the {@link LogListener}s are told.
     */
    void installSnapshot(Snapshot snapshot) throws IOException;
}
