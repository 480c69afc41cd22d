package io.gatehouse.store.internal;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.gatehouse.api.log.LogEntry;
import io.gatehouse.api.log.NewEntry;
import io.gatehouse.api.log.Operation;
import io.gatehouse.api.log.ReadResult;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.Test;

public class H2OperationLogTest extends StoreTestSupport {

    @Test
    public void emptyLogHasNothing() throws Exception {
        H2OperationLog log = open(tmp.newFolder());
        assertEquals(0, log.lastIndex());
        assertEquals(0, log.lastEpoch());
        ReadResult r = log.read(1, 10);
        assertTrue(r.entries().isEmpty());
        assertTrue(r.corruption().isEmpty());
    }

    @Test
    public void appendStampsContiguousIndicesAndReadsThemBack() throws Exception {
        H2OperationLog log = open(tmp.newFolder());
        List<LogEntry> first = log.append(1, List.of(put("HTTPServer", "s1", "{\"port\":10080}"),
                put("Pipeline", "p1", "{}")));
        List<LogEntry> second = log.append(1, List.of(delete("Pipeline", "p1")));

        assertEquals(List.of(1L, 2L), first.stream().map(LogEntry::index).toList());
        assertEquals(3, second.get(0).index());
        assertEquals(3, log.lastIndex());
        assertEquals(1, log.lastEpoch());

        ReadResult r = log.read(1, 100);
        assertTrue(r.corruption().isEmpty());
        List<LogEntry> all = new ArrayList<>(first);
        all.addAll(second);
        assertEquals(all, r.entries());
        LogEntry e = r.entries().get(0);
        assertTrue(e.intact());
        assertEquals(Operation.PUT, e.operation());
        assertEquals("HTTPServer", e.kind());
        assertEquals("s1", e.name());
        assertEquals("{\"port\":10080}", e.payloadText());
        assertEquals(NOW, e.timestamp());
        assertEquals(123_456_789, e.timestamp().getNano());
        LogEntry d = r.entries().get(2);
        assertEquals(Operation.DELETE, d.operation());
        assertArrayEquals(new byte[0], d.payload());
    }

    @Test
    public void readHonoursFromAndMax() throws Exception {
        H2OperationLog log = open(tmp.newFolder());
        for (int i = 0; i < 5; i++) {
            log.append(1, List.of(put("Pipeline", "p" + i, "{}")));
        }
        assertEquals(List.of(2L, 3L), log.read(2, 2).entries().stream().map(LogEntry::index).toList());
        assertEquals(List.of(5L), log.read(5, 10).entries().stream().map(LogEntry::index).toList());
        assertTrue(log.read(6, 10).entries().isEmpty());
        assertTrue(log.read(6, 10).corruption().isEmpty());
        assertTrue(log.read(1, 0).entries().isEmpty());
        assertThrows(IllegalArgumentException.class, () -> log.read(0, 10));
        assertThrows(IllegalArgumentException.class, () -> log.read(1, -1));
    }

    @Test
    public void failingBatchLeavesNothingBehind() throws Exception {
        File dir = tmp.newFolder();
        open(dir).deactivate();
        // A constraint the second entry of the batch violates: the insert fails after the first row of
        // the batch was written.
        try (Connection c = jdbc(dir); Statement s = c.createStatement()) {
            s.execute("ALTER TABLE oplog ADD CONSTRAINT test_no_boom CHECK (name <> 'boom')");
        }
        H2OperationLog log = open(dir);
        log.append(1, List.of(put("Pipeline", "before", "{}")));
        List<NewEntry> batch = List.of(put("Pipeline", "ok", "{}"), put("Pipeline", "boom", "{}"));

        IOException e = assertThrows(IOException.class, () -> log.append(1, batch));
        assertTrue(e.getMessage(), e.getMessage().startsWith("append failed on "));
        assertEquals(1, log.lastIndex());
        assertEquals(List.of("before"), log.read(1, 10).entries().stream().map(LogEntry::name).toList());

        // The log is still usable and the next batch gets the next index.
        assertEquals(2, log.append(1, List.of(put("Pipeline", "after", "{}"))).get(0).index());
        log.deactivate();
        assertEquals(List.of("before", "after"),
                open(dir).read(1, 10).entries().stream().map(LogEntry::name).toList());
    }

    @Test
    public void epochMustNotGoBackwards() throws Exception {
        H2OperationLog log = open(tmp.newFolder());
        log.append(3, List.of(put("Pipeline", "p", "{}")));
        assertThrows(IllegalArgumentException.class, () -> log.append(2, List.of(put("Pipeline", "q", "{}"))));
        assertThrows(IllegalArgumentException.class, () -> log.append(0, List.of(put("Pipeline", "q", "{}"))));
        assertEquals(1, log.lastIndex());
        log.append(4, List.of(put("Pipeline", "q", "{}")));
        assertEquals(4, log.lastEpoch());
    }

    @Test
    public void emptyAppendIsANoOp() throws Exception {
        H2OperationLog log = open(tmp.newFolder());
        assertTrue(log.append(1, List.of()).isEmpty());
        log.appendEntries(List.of());
        assertEquals(0, log.lastIndex());
    }

    @Test
    public void reopenedLogReadsEverythingBackIntact() throws Exception {
        File dir = tmp.newFolder();
        H2OperationLog log = open(dir);
        List<LogEntry> written = new ArrayList<>();
        written.addAll(log.append(1, List.of(put("HTTPServer", "s", "{\"a\":1}"), put("Pipeline", "p", "{}"))));
        written.addAll(log.append(2, List.of(delete("Pipeline", "p"))));
        log.deactivate();

        H2OperationLog reopened = open(dir);
        assertEquals(3, reopened.lastIndex());
        assertEquals(2, reopened.lastEpoch());
        ReadResult r = reopened.read(1, 100);
        assertTrue(r.corruption().isEmpty());
        assertEquals(written, r.entries());
        assertEquals(4, reopened.append(2, List.of(put("Pipeline", "x", "{}"))).get(0).index());
    }

    @Test
    public void appendIsInTheFileWhenItReturns() throws Exception {
        File dir = tmp.newFolder();
        H2OperationLog log = open(dir);
        List<LogEntry> written = log.append(1, List.of(put("Pipeline", "p", "{\"x\":true}")));

        // Copy the database file while the log is still open (no clean shutdown), as a crash would leave it.
        File copy = tmp.newFolder();
        Files.copy(dir.toPath().resolve("oplog.mv.db"), copy.toPath().resolve("oplog.mv.db"));
        H2OperationLog recovered = open(copy);
        assertEquals(written, recovered.read(1, 10).entries());
    }

    @Test
    public void grownFileIsCompactedWhileOpen() throws Exception {
        File plain = tmp.newFolder();
        File compacting = tmp.newFolder();
        H2OperationLog a = open(plain);
        H2OperationLog b = open(compacting, 10, 1);
        for (int i = 0; i < 150; i++) {
            List<NewEntry> batch = List.of(put("Pipeline", "p" + i, "{\"n\":" + i + "}"));
            a.append(1, batch);
            b.append(1, batch);
        }
        long plainSize = Files.size(plain.toPath().resolve("oplog.mv.db"));
        long compactedSize = Files.size(compacting.toPath().resolve("oplog.mv.db"));
        assertTrue("compacted " + compactedSize + " vs plain " + plainSize, compactedSize * 2 < plainSize);
        assertEquals(a.read(1, 200).entries(), b.read(1, 200).entries());
        assertEquals(150, b.read(1, 200).entries().size());
    }

    @Test
    public void schemaVersionIsRecordedAndANewerOneRefused() throws Exception {
        File dir = tmp.newFolder();
        open(dir).deactivate();
        try (Connection c = jdbc(dir); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT val FROM gatehouse_meta WHERE name = 'schema_version'")) {
                assertTrue(rs.next());
                assertEquals(Schema.VERSION, rs.getLong(1));
            }
            s.executeUpdate("UPDATE gatehouse_meta SET val = 99 WHERE name = 'schema_version'");
        }
        IOException e = assertThrows(IOException.class, () -> open(dir));
        assertTrue(e.getMessage(), e.getMessage().contains("schema version 99"));
    }

    @Test
    public void callsAfterDeactivateFail() throws Exception {
        H2OperationLog log = open(tmp.newFolder());
        log.deactivate();
        IOException e = assertThrows(IOException.class, log::lastIndex);
        assertTrue(e.getMessage(), e.getMessage().contains("closed"));
        log.deactivate();
    }

    @Test
    public void callerInterruptFlagIsKeptAndDoesNotBreakTheStore() throws Exception {
        H2OperationLog log = open(tmp.newFolder());
        Thread.currentThread().interrupt();
        try {
            log.append(1, List.of(put("Pipeline", "p", "{}")));
        } finally {
            assertTrue("interrupt flag restored", Thread.interrupted());
        }
        log.append(1, List.of(put("Pipeline", "q", "{}")));
        assertEquals(2, log.read(1, 10).entries().size());
    }

    @Test
    public void databaseFilesGoToTheConfiguredDirectory() throws Exception {
        File dir = new File(tmp.getRoot(), "nested/deeper");
        assertFalse(dir.exists());
        H2OperationLog log = new H2OperationLog();
        log.activate(config(dir.getPath(), "custom", 10));
        try {
            log.append(1, List.of(put("Pipeline", "p", "{}")));
            assertTrue(Files.exists(Path.of(dir.getPath(), "custom.mv.db")));
        } finally {
            log.deactivate();
        }
    }

    @Test
    public void invalidConfigurationIsRefusedWithTheSettingName() {
        H2OperationLog log = new H2OperationLog();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> log.activate(config(tmp.getRoot().getPath(), "bad;name", 10)));
        assertTrue(e.getMessage(), e.getMessage().startsWith("databaseName:"));
        e = assertThrows(IllegalArgumentException.class,
                () -> log.activate(config(tmp.getRoot().getPath(), "oplog", 0)));
        assertTrue(e.getMessage(), e.getMessage().startsWith("maxRejectedEntries:"));
    }
}
