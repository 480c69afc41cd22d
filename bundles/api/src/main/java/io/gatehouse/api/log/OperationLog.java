package io.gatehouse.api.log;

import java.io.IOException;
import java.util.List;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The durable, ordered operation log (a write-ahead log of configuration changes).
 *
 * <p>Contract:
 * <ul>
 *   <li>Indices start at 1 and have no gaps. {@link #append} assigns the next indices; {@link #appendEntries}
 *   stores entries already stamped elsewhere (by a replication leader) and checks they continue the log.</li>
 *   <li>An append returns only once its entries are durable; a batch is durable as a whole or not at all.</li>
 *   <li>Every read verifies checksums and stops at the first corrupt entry, reporting it in the
 *   {@link ReadResult} instead of returning it.</li>
 *   <li>{@link #truncateAfter} removes a suffix (a replicated log drops uncommitted entries of a deposed
 *   leader that way, and a node drops a corrupt tail).</li>
 *   <li>Snapshots let replay start late; {@link #compactUpTo} may then drop entries a snapshot covers.</li>
 * </ul>
 * Thread-safe. Every method may throw {@link IOException} when the storage fails; the caller must then
 * treat the write as not done.
 */
@ProviderType
public interface OperationLog {

    /** Appends operations as one durable batch, stamping them with {@code epoch}; returns the stored entries. */
    List<LogEntry> append(long epoch, List<NewEntry> operations) throws IOException;

    /**
     * Stores entries stamped elsewhere. The first must have index {@link #lastIndex()} + 1 and the rest
     * must follow without gaps; every entry must be intact.
     *
     * @throws IllegalArgumentException when the entries do not continue the log or a checksum is wrong
     */
    void appendEntries(List<LogEntry> entries) throws IOException;

    /** Index of the last stored entry, or the index of the latest snapshot if the log is empty after it; 0 if nothing. */
    long lastIndex() throws IOException;

    /** Epoch of the last stored entry (0 if none). */
    long lastEpoch() throws IOException;

    /** Reads at most {@code max} entries from {@code fromIndex} (inclusive), verifying every checksum. */
    ReadResult read(long fromIndex, int max) throws IOException;

    /** Removes every entry with an index greater than {@code index}; returns how many were removed. */
    int truncateAfter(long index) throws IOException;

    /** Stores a snapshot (replacing older ones once it is durable). */
    void saveSnapshot(Snapshot snapshot) throws IOException;

    /** The latest intact snapshot; a corrupt snapshot is reported in the log and skipped. */
    Optional<Snapshot> latestSnapshot() throws IOException;

    /** Drops entries with index &lt;= {@code index}; only allowed up to the latest snapshot's index. */
    int compactUpTo(long index) throws IOException;
}
