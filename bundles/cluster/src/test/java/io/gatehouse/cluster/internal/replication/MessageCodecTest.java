package io.gatehouse.cluster.internal.replication;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

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
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.Test;

public class MessageCodecTest {
    private static final Instant T = Instant.parse("2025-01-01T00:00:00.123456789Z");

    private static LogEntry entry(long index, long epoch) {
        return LogEntry.of(index, epoch, T, "req-" + index, List.of(
                new Change(Operation.PUT, "route", "r" + index, "{\"é\":1}".getBytes(StandardCharsets.UTF_8)),
                new Change(Operation.DELETE, "pool", "p", null)));
    }

    private static <T extends Message> T roundTrip(T m) {
        byte[] bytes = MessageCodec.encode(m);
        assertEquals(MessageCodec.VERSION, bytes[0]);
        @SuppressWarnings("unchecked")
        T back = (T) MessageCodec.decode(bytes, m.getClass());
        return back;
    }

    @Test
    public void everyMessageSurvivesARoundTripWithItsEpoch() {
        assertEquals(new Probe(7), roundTrip(new Probe(7)));
        assertEquals(new ProbeReply(9, Status.OK, 3, 40, 38), roundTrip(new ProbeReply(9, Status.OK, 3, 40, 38)));
        assertEquals(new Fetch(4, 17, 64), roundTrip(new Fetch(4, 17, 64)));
        Append heartbeat = new Append(5, 10, 4, 9, List.of(), 0, 0, 0);
        assertEquals(heartbeat, roundTrip(heartbeat));
        assertTrue(roundTrip(heartbeat).heartbeat());
        Append append = new Append(5, 10, 4, 9, List.of(entry(11, 5), LogEntry.of(12, 5, T, "", List.of())), 8, 4,
                0xdeadbeefL);
        Append back = roundTrip(append);
        assertEquals(append, back);
        assertTrue(back.entries().stream().allMatch(LogEntry::intact));
        AppendReply reply = new AppendReply(6, Status.MISMATCH, 0, 3, 2, 1, true);
        assertEquals(reply, roundTrip(reply));
        assertEquals(new SnapshotReply(5, Status.STALE_EPOCH, 1, 1, 0),
                roundTrip(new SnapshotReply(5, Status.STALE_EPOCH, 1, 1, 0)));
    }

    @Test
    public void snapshotsKeepTheirStateAndChecksum() {
        Snapshot s = Snapshot.of(30, 3, T, "{\"routes\":[]}".getBytes(StandardCharsets.UTF_8));
        SnapshotInstall back = roundTrip(new SnapshotInstall(4, s, true));
        assertEquals(4, back.epoch());
        assertTrue(back.repair());
        assertArrayEquals(s.state(), back.snapshot().state());
        assertEquals(s.checksum(), back.snapshot().checksum());
        assertTrue(back.snapshot().intact());
        FetchReply f = roundTrip(new FetchReply(4, Status.OK, Optional.of(s), List.of(entry(31, 3))));
        assertEquals(30, f.snapshot().orElseThrow().index());
        assertEquals(List.of(entry(31, 3)), f.entries());
    }

    @Test
    public void unknownVersionsTagsAndTruncatedMessagesAreRefused() {
        byte[] ok = MessageCodec.encode(new Append(5, 10, 4, 9, List.of(entry(11, 5)), 0, 0, 0));
        byte[] wrongVersion = ok.clone();
        wrongVersion[0] = 2;
        assertThrows(IllegalArgumentException.class, () -> MessageCodec.decode(wrongVersion));
        byte[] wrongTag = ok.clone();
        wrongTag[1] = 99;
        assertThrows(IllegalArgumentException.class, () -> MessageCodec.decode(wrongTag));
        for (int n : new int[] {0, 1, 5, 20, ok.length - 1}) {
            byte[] cut = Arrays.copyOf(ok, n);
            assertThrows("cut at " + n, IllegalArgumentException.class, () -> MessageCodec.decode(cut));
        }
        assertThrows(IllegalArgumentException.class, () -> MessageCodec.decode(ok, Probe.class));
    }
}
