package io.gatehouse.store.internal;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.gatehouse.api.log.Change;
import io.gatehouse.api.log.LogEntry;
import io.gatehouse.api.log.Operation;
import io.gatehouse.api.log.ReadResult;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
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

    /** The directory holds configuration secrets (TLSCertificate keys): nobody but its owner gets in. */
    @Test
    public void theDirectoryIsTheOwnersOnly() throws Exception {
        File parent = tmp.newFolder();
        Path created = parent.toPath().resolve("made");
        open(created.toFile());
        assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(created)));
        File existing = tmp.newFolder();
        Files.setPosixFilePermissions(existing.toPath(),
                java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        open(existing);
        assertEquals("an existing directory is restricted too", "rwx------",
                java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(existing.toPath())));
    }

    @Test
    public void appendStampsContiguousIndicesAndReadsThemBack() throws Exception {
        H2OperationLog log = open(tmp.newFolder());
        LogEntry first = log.append(1, "req-1", List.of(put("HTTPServer", "s1", "{\"port\":10080}"),
                put("Pipeline", "p1", "{}")));
        LogEntry second = log.append(1, "req-2", List.of(delete("Pipeline", "p1")));
        LogEntry noop = log.append(2, "", List.of());

        assertEquals(1, first.index());
        assertEquals(2, second.index());
        assertEquals(3, noop.index());
        assertTrue(noop.noop());
        assertEquals(3, log.lastIndex());
        assertEquals(2, log.lastEpoch());
        assertEquals(1, log.firstIndex());

        ReadResult r = log.read(1, 100);
        assertTrue(r.corruption().isEmpty());
        assertEquals(List.of(first, second, noop), r.entries());
        LogEntry e = r.entries().get(0);
        assertTrue(e.intact());
        assertEquals("req-1", e.requestId());
        assertEquals(2, e.changes().size());
        Change c = e.changes().get(0);
        assertEquals(Operation.PUT, c.operation());
        assertEquals("HTTPServer", c.kind());
        assertEquals("s1", c.name());
        assertEquals("{\"port\":10080}", new String(c.payload(), StandardCharsets.UTF_8));
        assertEquals("p1", e.changes().get(1).name());
        assertEquals(NOW, e.timestamp());
        assertEquals(123_456_789, e.timestamp().getNano());
        Change d = only(r.entries().get(1));
        assertEquals(Operation.DELETE, d.operation());
        assertArrayEquals(new byte[0], d.payload());
        assertEquals("", r.entries().get(2).requestId());
    }

    @Test
    public void changesRoundTripWhatever() throws Exception {
        File dir = tmp.newFolder();
        H2OperationLog log = open(dir);
        byte[] big = new byte[3_000_000];
        new java.util.Random(1).nextBytes(big);
        List<Change> many = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            many.add(i % 3 == 0 ? delete("Pipeline", "p" + i) : put("Pipeline", "p" + i, "{\"i\":" + i + "}"));
        }
        LogEntry unicode = log.append(1, "r\u00e9q \u2603", List.of(put("K\u00efnd", "n\u00e4me/\ud83d\ude00", "{}"),
                put("", "", "")));
        LogEntry large = log.append(1, "big", List.of(new Change(Operation.PUT, "Blob", "b", big)));
        LogEntry batch = log.append(1, "many", many);
        log.deactivate();

        H2OperationLog reopened = open(dir);
        assertEquals(List.of(unicode, large, batch), reopened.read(1, 10).entries());
        assertArrayEquals(big, only(reopened.read(2, 1).entries().get(0)).payload());
        assertEquals(many, reopened.read(3, 1).entries().get(0).changes());
    }

    @Test
    public void readHonoursFromAndMax() throws Exception {
        H2OperationLog log = open(tmp.newFolder());
        for (int i = 0; i < 5; i++) {
            log.append(1, "r" + i, List.of(put("Pipeline", "p" + i, "{}")));
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
        // A constraint the second append violates: its insert fails inside the transaction.
        try (Connection c = jdbc(dir); Statement s = c.createStatement()) {
            s.execute("ALTER TABLE oplog ADD CONSTRAINT test_no_boom CHECK (request_id <> 'r2')");
        }
        H2OperationLog log = open(dir);
        log.append(1, "r1", List.of(put("Pipeline", "before", "{}")));
        List<Change> batch = List.of(put("Pipeline", "ok", "{}"), put("Pipeline", "boom", "{}"));

        IOException e = assertThrows(IOException.class, () -> log.append(1, "r2", batch));
        assertTrue(e.getMessage(), e.getMessage().startsWith("append failed on "));
        assertEquals(1, log.lastIndex());
        assertEquals(List.of("before"), names(log));

        // The log is still usable and the next entry gets the next index.
        assertEquals(2, log.append(1, "r3", List.of(put("Pipeline", "after", "{}"))).index());
        log.deactivate();
        assertEquals(List.of("before", "after"), names(open(dir)));
    }

    private static List<String> names(H2OperationLog log) throws IOException {
        return log.read(1, 10).entries().stream().map(e -> only(e).name()).toList();
    }

    @Test
    public void epochMustNotGoBackwards() throws Exception {
        H2OperationLog log = open(tmp.newFolder());
        log.append(3, "a", List.of(put("Pipeline", "p", "{}")));
        assertThrows(IllegalArgumentException.class, () -> log.append(2, "b", List.of(put("Pipeline", "q", "{}"))));
        assertThrows(IllegalArgumentException.class, () -> log.append(0, "b", List.of(put("Pipeline", "q", "{}"))));
        assertEquals(1, log.lastIndex());
        log.append(4, "c", List.of(put("Pipeline", "q", "{}")));
        assertEquals(4, log.lastEpoch());
    }

    @Test
    public void emptyAppendIsANoOpEntry() throws Exception {
        H2OperationLog log = open(tmp.newFolder());
        LogEntry noop = log.append(1, null, List.of());
        assertEquals(1, noop.index());
        assertEquals("", noop.requestId());
        assertTrue(noop.noop());
        log.appendEntries(List.of());
        assertEquals(1, log.lastIndex());
        assertEquals(List.of(noop), log.read(1, 10).entries());
    }

    @Test
    public void reopenedLogReadsEverythingBackIntact() throws Exception {
        File dir = tmp.newFolder();
        H2OperationLog log = open(dir);
        List<LogEntry> written = new ArrayList<>();
        written.add(write(log, 1, put("HTTPServer", "s", "{\"a\":1}"), put("Pipeline", "p", "{}")));
        written.add(write(log, 2, delete("Pipeline", "p")));
        written.add(log.append(2, "uncommitted", List.of(put("Pipeline", "u", "{}"))));
        log.deactivate();

        H2OperationLog reopened = open(dir);
        assertEquals(3, reopened.lastIndex());
        assertEquals(2, reopened.lastEpoch());
        assertEquals(2, reopened.commitIndex());
        ReadResult r = reopened.read(1, 100);
        assertTrue(r.corruption().isEmpty());
        assertEquals(written, r.entries());
        assertEquals(4, reopened.append(2, "x", List.of(put("Pipeline", "x", "{}"))).index());
    }

    @Test
    public void appendIsInTheFileWhenItReturns() throws Exception {
        File dir = tmp.newFolder();
        H2OperationLog log = open(dir);
        LogEntry written = write(log, 1, put("Pipeline", "p", "{\"x\":true}"));

        // Copy the database file while the log is still open (no clean shutdown), as a crash would leave it.
        File copy = tmp.newFolder();
        Files.copy(dir.toPath().resolve("oplog.mv.db"), copy.toPath().resolve("oplog.mv.db"));
        H2OperationLog recovered = open(copy);
        assertEquals(List.of(written), recovered.read(1, 10).entries());
        assertEquals(1, recovered.commitIndex());
    }

    @Test
    public void grownFileIsCompactedWhileOpen() throws Exception {
        File plain = tmp.newFolder();
        File compacting = tmp.newFolder();
        H2OperationLog a = open(plain);
        H2OperationLog b = open(compacting, 10, 1);
        for (int i = 0; i < 150; i++) {
            List<Change> batch = List.of(put("Pipeline", "p" + i, "{\"n\":" + i + "}"));
            a.append(1, "r" + i, batch);
            b.append(1, "r" + i, batch);
            b.commitTo(i + 1);
        }
        long plainSize = Files.size(plain.toPath().resolve("oplog.mv.db"));
        long compactedSize = Files.size(compacting.toPath().resolve("oplog.mv.db"));
        assertTrue("compacted " + compactedSize + " vs plain " + plainSize, compactedSize * 2 < plainSize);
        assertEquals(a.read(1, 200).entries(), b.read(1, 200).entries());
        assertEquals(150, b.read(1, 200).entries().size());
        assertEquals(150, b.commitIndex());
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
            write(log, 1, put("Pipeline", "p", "{}"));
        } finally {
            assertTrue("interrupt flag restored", Thread.interrupted());
        }
        write(log, 1, put("Pipeline", "q", "{}"));
        assertEquals(2, log.read(1, 10).entries().size());
    }

    @Test
    public void databaseFilesGoToTheConfiguredDirectory() throws Exception {
        File dir = new File(tmp.getRoot(), "nested/deeper");
        assertFalse(dir.exists());
        H2OperationLog log = new H2OperationLog();
        log.activate(config(dir.getPath(), "custom", 10));
        try {
            write(log, 1, put("Pipeline", "p", "{}"));
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
