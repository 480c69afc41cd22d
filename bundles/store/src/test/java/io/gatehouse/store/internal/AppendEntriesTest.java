package io.gatehouse.store.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.gatehouse.api.log.Change;
import io.gatehouse.api.log.LogEntry;
import io.gatehouse.api.log.Operation;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.Test;

/** Entries stamped elsewhere (by a replication leader): stored as they are, only if they continue the log. */
public class AppendEntriesTest extends StoreTestSupport {

    private static final Instant LEADER_TIME = Instant.ofEpochSecond(1_650_000_000L, 987_654_321);

    private static LogEntry entry(long index, long epoch, String name) {
        return LogEntry.of(index, epoch, LEADER_TIME.plusNanos(index), "req-" + index, List.of(new Change(
                Operation.PUT, "Pipeline", name, ("{\"i\":" + index + "}").getBytes(StandardCharsets.UTF_8))));
    }

    @Test
    public void entriesAreStoredExactlyWithTheirEpochAndTimestamp() throws Exception {
        File dir = tmp.newFolder();
        H2OperationLog log = open(dir);
        List<LogEntry> entries = List.of(entry(1, 4, "a"), entry(2, 4, "b"), entry(3, 5, "c"));
        log.appendEntries(entries);
        assertEquals(3, log.lastIndex());
        assertEquals(5, log.lastEpoch());
        assertEquals("storing an epoch's entries means having seen it", 5, log.highestEpoch());
        assertEquals("appending commits nothing", 0, log.commitIndex());
        log.deactivate();

        assertEquals(entries, open(dir).read(1, 10).entries());
    }

    @Test
    public void entriesMustContinueTheLog() throws Exception {
        H2OperationLog log = open(tmp.newFolder());
        log.appendEntries(List.of(entry(1, 1, "a")));

        IllegalArgumentException gap = assertThrows(IllegalArgumentException.class,
                () -> log.appendEntries(List.of(entry(3, 1, "c"))));
        assertTrue(gap.getMessage(), gap.getMessage().contains("expected index 2"));
        assertThrows(IllegalArgumentException.class, () -> log.appendEntries(List.of(entry(1, 1, "again"))));
        // A gap inside the batch rejects the whole batch, including its valid head.
        IllegalArgumentException inner = assertThrows(IllegalArgumentException.class,
                () -> log.appendEntries(List.of(entry(2, 1, "b"), entry(4, 1, "d"))));
        assertTrue(inner.getMessage(), inner.getMessage().startsWith("entries[1]"));
        assertEquals(1, log.lastIndex());
        assertEquals(1, log.read(1, 10).entries().size());
    }

    @Test
    public void corruptEntriesAreRefused() throws Exception {
        H2OperationLog log = open(tmp.newFolder());
        LogEntry good = entry(1, 1, "a");
        LogEntry bad = new LogEntry(1, 1, good.timestamp(), good.requestId(), List.of(new Change(Operation.PUT,
                "Pipeline", "forged", only(good).payload())), good.checksum());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> log.appendEntries(List.of(bad)));
        assertTrue(e.getMessage(), e.getMessage().contains("checksum"));
        assertEquals(0, log.lastIndex());
    }

    @Test
    public void epochsMustNotDecrease() throws Exception {
        H2OperationLog log = open(tmp.newFolder());
        log.appendEntries(List.of(entry(1, 3, "a")));
        assertThrows(IllegalArgumentException.class, () -> log.appendEntries(List.of(entry(2, 2, "b"))));
        assertThrows(IllegalArgumentException.class,
                () -> log.appendEntries(List.of(entry(2, 3, "b"), entry(3, 2, "c"))));
        assertEquals(1, log.lastIndex());
    }

    @Test
    public void entriesContinueAfterLocalAppendsAndTruncation() throws Exception {
        H2OperationLog log = open(tmp.newFolder());
        write(log, 1, put("Pipeline", "a", "{}"));
        log.append(1, "b", List.of(put("Pipeline", "b", "{}")));
        // A new leader overwrites the uncommitted entry 2 of the old one.
        assertEquals(1, log.truncateAfter(1));
        log.appendEntries(List.of(entry(2, 2, "b2"), entry(3, 2, "c")));
        List<LogEntry> all = log.read(1, 10).entries();
        assertEquals(List.of("a", "b2", "c"), all.stream().map(e -> only(e).name()).toList());
        assertEquals(List.of(1L, 2L, 2L), all.stream().map(LogEntry::epoch).toList());
    }

    @Test
    public void entriesOfAnOlderEpochThanTheHighestSeenAreStillStored() throws Exception {
        // A follower that has seen epoch 7 stores the entries a leader of epoch 7 sends, written earlier.
        H2OperationLog log = open(tmp.newFolder());
        assertEquals(7, log.observeEpoch(7));
        log.appendEntries(List.of(entry(1, 2, "a"), entry(2, 3, "b")));
        assertEquals(3, log.lastEpoch());
        assertEquals(7, log.highestEpoch());
    }

    @Test
    public void noOpEntriesAreStored() throws Exception {
        H2OperationLog log = open(tmp.newFolder());
        LogEntry noop = LogEntry.of(1, 4, LEADER_TIME, "", List.of());
        log.appendEntries(List.of(noop, entry(2, 4, "a")));
        assertEquals(noop, log.read(1, 1).entries().get(0));
    }
}
