package io.gatehouse.store.internal;

import io.gatehouse.api.log.Change;
import io.gatehouse.api.log.Operation;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The store's own encoding of an entry's changes in the {@code changes} column (schema 2). Owned by this
 * bundle (the checksum, not this encoding, is what nodes share), documented in docs/storage.md:
 *
 * <pre>
 * byte    format (1)
 * int     number of changes
 * per change, each field an int length followed by that many bytes:
 *         operation name (UTF-8, "PUT" or "DELETE"), kind (UTF-8), name (UTF-8), payload
 * </pre>
 * Integers are big-endian ({@link DataOutputStream}). The operation is stored by name, so reordering the
 * enum cannot change what a stored entry means. Decoding is strict: a wrong format byte, a negative or
 * overlong length, an unknown operation or bytes left over make the row unreadable (reported as
 * corruption), never a silently different entry.
 */
final class ChangeCodec {

    static final byte FORMAT = 1;

    private ChangeCodec() {
    }

    static byte[] encode(List<Change> changes) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(FORMAT);
            out.writeInt(changes.size());
            for (Change c : changes) {
                writeField(out, c.operation().name().getBytes(StandardCharsets.UTF_8));
                writeField(out, c.kind().getBytes(StandardCharsets.UTF_8));
                writeField(out, c.name().getBytes(StandardCharsets.UTF_8));
                writeField(out, c.payload());
            }
        } catch (IOException e) {
            // A ByteArrayOutputStream does not fail.
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static void writeField(DataOutputStream out, byte[] value) throws IOException {
        out.writeInt(value.length);
        out.write(value);
    }

    /**
     * Decodes a {@code changes} column.
     *
     * @throws EntryTable.UnreadableRowException when the bytes are not a valid encoding
     */
    static List<Change> decode(byte[] encoded) throws EntryTable.UnreadableRowException {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(encoded))) {
            int format = in.readUnsignedByte();
            if (format != FORMAT) {
                throw new EntryTable.UnreadableRowException("changes: unknown encoding format " + format);
            }
            int count = in.readInt();
            // Every change takes at least 16 bytes: a count larger than that is damage, not a huge batch.
            if (count < 0 || count > in.available() / 16) {
                throw new EntryTable.UnreadableRowException("changes: invalid count " + count);
            }
            List<Change> changes = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                String op = text(readField(in, i));
                Operation operation;
                try {
                    operation = Operation.valueOf(op);
                } catch (IllegalArgumentException e) {
                    throw new EntryTable.UnreadableRowException("changes[" + i + "]: unknown operation '" + op + "'", e);
                }
                String kind = text(readField(in, i));
                String name = text(readField(in, i));
                changes.add(new Change(operation, kind, name, readField(in, i)));
            }
            if (in.available() > 0) {
                throw new EntryTable.UnreadableRowException("changes: " + in.available()
                        + " bytes after the last change");
            }
            return changes;
        } catch (IOException e) {
            throw new EntryTable.UnreadableRowException("changes: truncated encoding (" + encoded.length
                    + " bytes)", e);
        }
    }

    private static byte[] readField(DataInputStream in, int change) throws IOException,
            EntryTable.UnreadableRowException {
        int length = in.readInt();
        if (length < 0 || length > in.available()) {
            throw new EntryTable.UnreadableRowException("changes[" + change + "]: invalid field length " + length);
        }
        byte[] value = new byte[length];
        in.readFully(value);
        return value;
    }

    private static String text(byte[] utf8) {
        return new String(utf8, StandardCharsets.UTF_8);
    }
}
