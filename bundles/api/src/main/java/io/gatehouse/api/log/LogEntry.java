package io.gatehouse.api.log;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;
import java.util.zip.CRC32C;

/**
 * One entry of the operation log. Immutable.
 *
 * <p>{@code index} is the entry's position in the log (1, 2, 3, ... without gaps); {@code epoch} is the
 * term of the writer that ordered it (a constant on a single node; the leader's fencing token in a
 * cluster, so that entries of a deposed leader can be recognized and rejected). {@code checksum} is the
 * CRC-32C of every other field, computed by {@link #checksumOf}; an entry whose stored checksum does not
 * match its content is corrupt and is never applied.
 *
 * @param index     position in the log, starting at 1
 * @param epoch     term of the writer, at least 1
 * @param timestamp when the entry was first appended (by the writer that ordered it)
 * @param operation what the entry does
 * @param kind      kind of the object it changes
 * @param name      name of the object it changes
 * @param payload   the object as UTF-8 JSON for {@link Operation#PUT}; empty for {@link Operation#DELETE}
 * @param checksum  CRC-32C over the other fields
 */
public record LogEntry(long index, long epoch, Instant timestamp, Operation operation, String kind, String name,
                       byte[] payload, long checksum) {

    public LogEntry {
        Objects.requireNonNull(timestamp, "timestamp");
        Objects.requireNonNull(operation, "operation");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(name, "name");
        payload = payload == null ? new byte[0] : payload;
    }

    /** Builds an entry and stamps it with the checksum of its content. */
    public static LogEntry of(long index, long epoch, Instant timestamp, Operation operation, String kind,
                              String name, byte[] payload) {
        byte[] body = payload == null ? new byte[0] : payload;
        return new LogEntry(index, epoch, timestamp, operation, kind, name, body,
                checksumOf(index, epoch, timestamp, operation, kind, name, body));
    }

    /** The CRC-32C of an entry's content: the stable definition every node and version must share. */
    public static long checksumOf(long index, long epoch, Instant timestamp, Operation operation, String kind,
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

    /** True when the stored checksum matches the entry's content. */
    public boolean intact() {
        return checksum == checksumOf(index, epoch, timestamp, operation, kind, name, payload);
    }

    /** The payload as a UTF-8 string (empty for a delete). */
    public String payloadText() {
        return new String(payload, StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LogEntry e && index == e.index && epoch == e.epoch && checksum == e.checksum
                && timestamp.equals(e.timestamp) && operation == e.operation && kind.equals(e.kind)
                && name.equals(e.name) && Arrays.equals(payload, e.payload);
    }

    @Override
    public int hashCode() {
        return Objects.hash(index, epoch, checksum);
    }

    @Override
    public String toString() {
        return "LogEntry[" + index + "@" + epoch + " " + operation + " " + kind + "/" + name + "]";
    }
}
