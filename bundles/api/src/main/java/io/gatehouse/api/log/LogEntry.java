package io.gatehouse.api.log;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.zip.CRC32C;

/**
 * One entry of the operation log: the changes of one write request, stamped with its position. Immutable.
 *
 * <p>{@code index} is the entry's position in the log (1, 2, 3, ... without gaps); {@code epoch} is the
 * leadership that ordered it (the leader's fencing token in a cluster, so that entries of a deposed leader
 * are recognized and rejected). {@code requestId} names the write request the entry carries, so that a
 * retried request is applied once; it is empty for an entry no client asked for (the no-op a new leader
 * appends). An entry with no changes is a no-op. {@code checksum} is the CRC-32C of every other field,
 * computed by {@link #checksumOf}; an entry whose stored checksum does not match its content is corrupt and
 * is never applied.
 *
 * @param index     position in the log, starting at 1
 * @param epoch     leadership that ordered it, at least 1
 * @param timestamp when the leader stamped it
 * @param requestId the write request it carries, or empty
 * @param changes   the changes, applied together in order; empty for a no-op
 * @param checksum  CRC-32C over the other fields
 */
public record LogEntry(long index, long epoch, Instant timestamp, String requestId, List<Change> changes,
                       long checksum) {

    public LogEntry {
        Objects.requireNonNull(timestamp, "timestamp");
        requestId = requestId == null ? "" : requestId;
        changes = List.copyOf(changes);
    }

    /** Builds an entry and stamps it with the checksum of its content. */
    public static LogEntry of(long index, long epoch, Instant timestamp, String requestId, List<Change> changes) {
        String id = requestId == null ? "" : requestId;
        return new LogEntry(index, epoch, timestamp, id, changes, checksumOf(index, epoch, timestamp, id, changes));
    }

    /** The CRC-32C of an entry's content: the stable definition every node and version must share. */
    public static long checksumOf(long index, long epoch, Instant timestamp, String requestId, List<Change> changes) {
        CRC32C crc = new CRC32C();
        updateLong(crc, index);
        updateLong(crc, epoch);
        updateLong(crc, timestamp.getEpochSecond());
        updateLong(crc, timestamp.getNano());
        updateString(crc, requestId == null ? "" : requestId);
        updateLong(crc, changes.size());
        for (Change c : changes) {
            updateString(crc, c.operation().name());
            updateString(crc, c.kind());
            updateString(crc, c.name());
            updateLong(crc, c.payload().length);
            crc.update(c.payload());
        }
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

    /** True when the stored checksum matches the entry's content. */
    public boolean intact() {
        return checksum == checksumOf(index, epoch, timestamp, requestId, changes);
    }

    /** True for an entry that changes nothing (a new leader's first entry). */
    public boolean noop() {
        return changes.isEmpty();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LogEntry e && index == e.index && epoch == e.epoch && checksum == e.checksum
                && timestamp.equals(e.timestamp) && requestId.equals(e.requestId) && changes.equals(e.changes);
    }

    @Override
    public int hashCode() {
        return Objects.hash(index, epoch, checksum);
    }

    @Override
    public String toString() {
        return "LogEntry[" + index + "@" + epoch + (requestId.isEmpty() ? "" : " " + requestId) + " " + changes + "]";
    }
}
