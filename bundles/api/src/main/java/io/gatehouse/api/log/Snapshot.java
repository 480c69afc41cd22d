package io.gatehouse.api.log;

import java.time.Instant;
import java.util.Objects;
import java.util.zip.CRC32C;

/**
 * The complete configuration state as of log entry {@code index}: replay starts from the latest intact
 * snapshot and applies only the entries after it.
 *
 * @param index     index of the last entry the state includes
 * @param epoch     epoch of that entry
 * @param timestamp when the snapshot was taken
 * @param state     the state, as the configuration service serialized it (UTF-8 JSON)
 * @param checksum  CRC-32C of {@code state}
 */
public record Snapshot(long index, long epoch, Instant timestamp, byte[] state, long checksum) {
    public Snapshot {
        Objects.requireNonNull(timestamp, "timestamp");
        Objects.requireNonNull(state, "state");
    }

    public static Snapshot of(long index, long epoch, Instant timestamp, byte[] state) {
        return new Snapshot(index, epoch, timestamp, state, checksumOf(state));
    }

    public static long checksumOf(byte[] state) {
        CRC32C crc = new CRC32C();
        crc.update(state);
        return crc.getValue();
    }

    public boolean intact() {
        return checksum == checksumOf(state);
    }
}
