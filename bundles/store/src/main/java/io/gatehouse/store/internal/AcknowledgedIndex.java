package io.gatehouse.store.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.OptionalLong;
import java.util.zip.CRC32C;

/**
 * The highest commit index the store has acknowledged (what clients were answered for), in a small file
 * beside the database ({@code <databaseName>.acknowledged}), so that a database that comes back with a lower
 * commit index or without its committed entries (a truncated or replaced file, a storage that lost writes)
 * is refused at open instead of silently serving an older configuration. A schema-1 database's record
 * held its last index, which was its commit index (everything in it was acknowledged).
 *
 * <p>It is a lower bound of the database's commit index: raised only after the commit index is durable in
 * the database. The commit index never goes down, so the record is lowered only when an upgrade sets
 * damaged schema-1 entries aside (before that commits). It holds no data; the database stays the only
 * source of entries.
 *
 * <p>Format: two 32-byte slots (magic, sequence, index, CRC-32C of the 24 bytes before it, padding), written
 * alternately and forced to the disk after each write, so that a write torn by a crash leaves the other
 * slot intact; the valid slot with the higher sequence wins. Not thread-safe (used under the store's lock).
 */
final class AcknowledgedIndex implements AutoCloseable {

    private static final long MAGIC = 0x4748_4143_4b4e_0001L;
    private static final int SLOT = 32;

    private final Path file;
    private FileChannel channel;
    private long sequence;
    private long index;

    private AcknowledgedIndex(Path file, long sequence, long index) {
        this.file = file;
        this.sequence = sequence;
        this.index = index;
    }

    /**
     * Reads the file.
     *
     * @return the recorded index, or empty when the file does not exist
     * @throws DamagedException when the file exists but holds no valid slot
     * @throws IOException      when it cannot be read
     */
    static OptionalLong read(Path file) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return OptionalLong.empty();
        }
        long[] best = newest(bytes);
        if (best == null) {
            throw new DamagedException(file + " holds no valid record (" + bytes.length + " bytes)");
        }
        return OptionalLong.of(best[1]);
    }

    /** {sequence, index} of the newest valid slot, or null. */
    private static long[] newest(byte[] bytes) {
        long[] best = null;
        for (int offset = 0; offset + SLOT <= bytes.length && offset < 2 * SLOT; offset += SLOT) {
            ByteBuffer slot = ByteBuffer.wrap(bytes, offset, SLOT);
            long magic = slot.getLong();
            long seq = slot.getLong();
            long idx = slot.getLong();
            int crc = slot.getInt();
            if (magic == MAGIC && crc == crc(bytes, offset) && idx >= 0 && (best == null || seq > best[0])) {
                best = new long[] {seq, idx};
            }
        }
        return best;
    }

    private static int crc(byte[] bytes, int offset) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, offset, 24);
        return (int) crc.getValue();
    }

    /**
     * Opens (creating if needed) the file and records {@code index} in it.
     *
     * @throws IOException when it cannot be written
     */
    static AcknowledgedIndex open(Path file, long index) throws IOException {
        long sequence = 0;
        boolean created = !Files.exists(file);
        if (!created) {
            long[] best = newest(Files.readAllBytes(file));
            sequence = best == null ? 0 : best[0];
        }
        AcknowledgedIndex marker = new AcknowledgedIndex(file, sequence, -1);
        marker.write(index);
        if (created) {
            StoreFiles.syncDirectory(file.getParent());
        }
        return marker;
    }

    /** The recorded index. */
    long get() {
        return index;
    }

    /** Records {@code newIndex} if it is higher than the recorded one (after a durable write). */
    void raise(long newIndex) throws IOException {
        if (newIndex > index) {
            write(newIndex);
        }
    }

    /** Records {@code newIndex} if it is lower than the recorded one (before a truncation). */
    void lower(long newIndex) throws IOException {
        if (newIndex < index) {
            write(newIndex);
        }
    }

    private void write(long newIndex) throws IOException {
        long next = sequence + 1;
        byte[] slot = new byte[SLOT];
        ByteBuffer b = ByteBuffer.wrap(slot);
        b.putLong(MAGIC).putLong(next).putLong(newIndex);
        b.putInt(crc(slot, 0));
        if (channel == null || !channel.isOpen()) {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
        }
        ByteBuffer src = ByteBuffer.wrap(slot);
        long position = (next % 2) * SLOT;
        while (src.hasRemaining()) {
            position += channel.write(src, position);
        }
        channel.force(false);
        sequence = next;
        index = newIndex;
    }

    @Override
    public void close() throws IOException {
        if (channel != null) {
            channel.close();
        }
    }

    /** The file exists but cannot be trusted. */
    static final class DamagedException extends IOException {
        private static final long serialVersionUID = 1L;

        DamagedException(String message) {
            super(message);
        }
    }
}
