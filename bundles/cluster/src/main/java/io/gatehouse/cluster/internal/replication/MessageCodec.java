package io.gatehouse.cluster.internal.replication;

import io.gatehouse.api.log.Change;
import io.gatehouse.api.log.LogEntry;
import io.gatehouse.api.log.Operation;
import io.gatehouse.api.log.Snapshot;
import io.gatehouse.cluster.internal.replication.Messages.Append;
import io.gatehouse.cluster.internal.replication.Messages.AppendReply;
import io.gatehouse.cluster.internal.replication.Messages.Fetch;
import io.gatehouse.cluster.internal.replication.Messages.FetchReply;
import io.gatehouse.cluster.internal.replication.Messages.Message;
import io.gatehouse.cluster.internal.replication.Messages.Probe;
import io.gatehouse.cluster.internal.replication.Messages.ProbeReply;
import io.gatehouse.cluster.internal.replication.Messages.SnapshotInstall;
import io.gatehouse.cluster.internal.replication.Messages.SnapshotReply;
import io.gatehouse.cluster.internal.replication.Messages.Status;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Compact binary encoding of {@link Messages}: a version byte, a tag byte, then the fields big-endian
 * ({@link DataOutputStream}). Strings and byte arrays are length-prefixed; entries keep their checksum so
 * the receiver's log verifies them. A message of an unknown version or tag, or a truncated one, is refused
 * with {@link IllegalArgumentException}.
 */
public final class MessageCodec {

    /** Wire format version; the first byte of every message. */
    public static final int VERSION = 1;

    private static final int MAX_STRING = 1 << 20;
    private static final int MAX_BYTES = 256 << 20;
    private static final int MAX_COUNT = 1 << 20;

    private static final int PROBE = 1;
    private static final int PROBE_REPLY = 2;
    private static final int FETCH = 3;
    private static final int FETCH_REPLY = 4;
    private static final int APPEND = 5;
    private static final int APPEND_REPLY = 6;
    private static final int SNAPSHOT = 7;
    private static final int SNAPSHOT_REPLY = 8;

    private MessageCodec() {
    }

    public static byte[] encode(Message message) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(VERSION);
            if (message instanceof Probe m) {
                out.writeByte(PROBE);
                out.writeLong(m.epoch());
            } else if (message instanceof ProbeReply m) {
                out.writeByte(PROBE_REPLY);
                out.writeLong(m.epoch());
                out.writeByte(m.status().ordinal());
                out.writeLong(m.lastEpoch());
                out.writeLong(m.lastIndex());
                out.writeLong(m.commitIndex());
            } else if (message instanceof Fetch m) {
                out.writeByte(FETCH);
                out.writeLong(m.epoch());
                out.writeLong(m.from());
                out.writeInt(m.max());
            } else if (message instanceof FetchReply m) {
                out.writeByte(FETCH_REPLY);
                out.writeLong(m.epoch());
                out.writeByte(m.status().ordinal());
                out.writeBoolean(m.snapshot().isPresent());
                if (m.snapshot().isPresent()) {
                    writeSnapshot(out, m.snapshot().get());
                }
                writeEntries(out, m.entries());
            } else if (message instanceof Append m) {
                out.writeByte(APPEND);
                out.writeLong(m.epoch());
                out.writeLong(m.prevIndex());
                out.writeLong(m.prevEpoch());
                out.writeLong(m.commitIndex());
                writeEntries(out, m.entries());
                out.writeLong(m.checkIndex());
                out.writeLong(m.checkEpoch());
                out.writeLong(m.checkChecksum());
            } else if (message instanceof AppendReply m) {
                out.writeByte(APPEND_REPLY);
                out.writeLong(m.epoch());
                out.writeByte(m.status().ordinal());
                out.writeLong(m.matchIndex());
                out.writeLong(m.lastIndex());
                out.writeLong(m.commitIndex());
                out.writeLong(m.appliedIndex());
                out.writeBoolean(m.repair());
            } else if (message instanceof SnapshotInstall m) {
                out.writeByte(SNAPSHOT);
                out.writeLong(m.epoch());
                writeSnapshot(out, m.snapshot());
                out.writeBoolean(m.repair());
            } else if (message instanceof SnapshotReply m) {
                out.writeByte(SNAPSHOT_REPLY);
                out.writeLong(m.epoch());
                out.writeByte(m.status().ordinal());
                out.writeLong(m.lastIndex());
                out.writeLong(m.commitIndex());
                out.writeLong(m.appliedIndex());
            } else {
                throw new IllegalArgumentException("unknown message " + message);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("in-memory stream failed", e);
        }
        return bytes.toByteArray();
    }

    /** Decodes any message; the caller checks it got the kind it expected with {@link #decode(byte[], Class)}. */
    public static Message decode(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            int version = in.readUnsignedByte();
            if (version != VERSION) {
                throw new IllegalArgumentException("unsupported replication message version " + version);
            }
            int tag = in.readUnsignedByte();
            long epoch = in.readLong();
            Message m = switch (tag) {
                case PROBE -> new Probe(epoch);
                case PROBE_REPLY -> new ProbeReply(epoch, status(in), in.readLong(), in.readLong(), in.readLong());
                case FETCH -> new Fetch(epoch, in.readLong(), in.readInt());
                case FETCH_REPLY -> {
                    Status s = status(in);
                    Optional<Snapshot> snap = in.readBoolean() ? Optional.of(readSnapshot(in)) : Optional.empty();
                    yield new FetchReply(epoch, s, snap, readEntries(in));
                }
                case APPEND -> new Append(epoch, in.readLong(), in.readLong(), in.readLong(), readEntries(in),
                        in.readLong(), in.readLong(), in.readLong());
                case APPEND_REPLY -> new AppendReply(epoch, status(in), in.readLong(), in.readLong(), in.readLong(),
                        in.readLong(), in.readBoolean());
                case SNAPSHOT -> new SnapshotInstall(epoch, readSnapshot(in), in.readBoolean());
                case SNAPSHOT_REPLY -> new SnapshotReply(epoch, status(in), in.readLong(), in.readLong(),
                        in.readLong());
                default -> throw new IllegalArgumentException("unknown replication message tag " + tag);
            };
            if (in.available() > 0) {
                throw new IllegalArgumentException("trailing bytes after replication message tag " + tag);
            }
            return m;
        } catch (IOException e) {
            throw new IllegalArgumentException("truncated replication message", e);
        }
    }

    public static <T extends Message> T decode(byte[] bytes, Class<T> type) {
        Message m = decode(bytes);
        if (!type.isInstance(m)) {
            throw new IllegalArgumentException("expected " + type.getSimpleName() + ", got "
                    + m.getClass().getSimpleName());
        }
        return type.cast(m);
    }

    private static Status status(DataInputStream in) throws IOException {
        int s = in.readUnsignedByte();
        Status[] all = Status.values();
        if (s >= all.length) {
            throw new IllegalArgumentException("unknown status " + s);
        }
        return all[s];
    }

    private static void writeEntries(DataOutputStream out, List<LogEntry> entries) throws IOException {
        out.writeInt(entries.size());
        for (LogEntry e : entries) {
            out.writeLong(e.index());
            out.writeLong(e.epoch());
            writeInstant(out, e.timestamp());
            writeString(out, e.requestId());
            out.writeInt(e.changes().size());
            for (Change c : e.changes()) {
                out.writeByte(c.operation().ordinal());
                writeString(out, c.kind());
                writeString(out, c.name());
                writeBytes(out, c.payload());
            }
            out.writeLong(e.checksum());
        }
    }

    private static List<LogEntry> readEntries(DataInputStream in) throws IOException {
        int n = count(in);
        List<LogEntry> entries = new ArrayList<>(Math.min(n, 1024));
        for (int i = 0; i < n; i++) {
            long index = in.readLong();
            long epoch = in.readLong();
            Instant ts = readInstant(in);
            String requestId = readString(in);
            int changes = count(in);
            List<Change> list = new ArrayList<>(Math.min(changes, 1024));
            for (int j = 0; j < changes; j++) {
                int op = in.readUnsignedByte();
                if (op >= Operation.values().length) {
                    throw new IllegalArgumentException("unknown operation " + op);
                }
                list.add(new Change(Operation.values()[op], readString(in), readString(in), readBytes(in)));
            }
            entries.add(new LogEntry(index, epoch, ts, requestId, list, in.readLong()));
        }
        return entries;
    }

    private static void writeSnapshot(DataOutputStream out, Snapshot s) throws IOException {
        out.writeLong(s.index());
        out.writeLong(s.epoch());
        writeInstant(out, s.timestamp());
        writeBytes(out, s.state());
        out.writeLong(s.checksum());
    }

    private static Snapshot readSnapshot(DataInputStream in) throws IOException {
        return new Snapshot(in.readLong(), in.readLong(), readInstant(in), readBytes(in), in.readLong());
    }

    private static void writeInstant(DataOutputStream out, Instant t) throws IOException {
        out.writeLong(t.getEpochSecond());
        out.writeInt(t.getNano());
    }

    private static Instant readInstant(DataInputStream in) throws IOException {
        return Instant.ofEpochSecond(in.readLong(), in.readInt());
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        writeBytes(out, s.getBytes(StandardCharsets.UTF_8));
    }

    private static String readString(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > MAX_STRING) {
            throw new IllegalArgumentException("bad string length " + n);
        }
        return new String(in.readNBytes(checkAvailable(in, n)), StandardCharsets.UTF_8);
    }

    private static void writeBytes(DataOutputStream out, byte[] b) throws IOException {
        out.writeInt(b.length);
        out.write(b);
    }

    private static byte[] readBytes(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > MAX_BYTES) {
            throw new IllegalArgumentException("bad byte array length " + n);
        }
        return in.readNBytes(checkAvailable(in, n));
    }

    private static int count(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > MAX_COUNT) {
            throw new IllegalArgumentException("bad count " + n);
        }
        return n;
    }

    private static int checkAvailable(DataInputStream in, int n) throws IOException {
        if (in.available() < n) {
            throw new IllegalArgumentException("truncated replication message");
        }
        return n;
    }
}
