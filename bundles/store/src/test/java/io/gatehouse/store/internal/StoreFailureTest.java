package io.gatehouse.store.internal;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.gatehouse.api.log.Change;
import io.gatehouse.api.log.LogEntry;
import io.gatehouse.api.log.Operation;
import io.gatehouse.api.log.Snapshot;
import java.io.File;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.junit.Test;

/**
 * A database that cannot be opened: the component fails loudly, keeps a copy of a damaged file, writes
 * {@code store-failure.txt} with what happened and what to do, never starts an empty or older log by
 * itself, and tells environment problems (lock, directory) from damage.
 */
public class StoreFailureTest extends StoreTestSupport {

    private static final int WRITES = 300;

    /** Writes {@link #WRITES} single-entry batches, like a stream of admin writes, and closes the log. */
    private List<LogEntry> writeAndClose(File dir) throws IOException {
        H2OperationLog log = open(dir);
        List<LogEntry> written = new ArrayList<>();
        for (int i = 1; i <= WRITES; i++) {
            written.add(write(log, 1, put("Pipeline", "p" + i, "{\"n\":" + i + ",\"pad\":\""
                    + "x".repeat(400) + "\"}")));
        }
        log.deactivate();
        return written;
    }

    private static Path db(File dir) {
        return dir.toPath().resolve("oplog.mv.db");
    }

    private static Path report(File dir) {
        return dir.toPath().resolve("store-failure.txt");
    }

    private static void truncate(Path file, long size) throws IOException {
        try (FileChannel c = FileChannel.open(file, StandardOpenOption.WRITE)) {
            c.truncate(size);
        }
    }

    private static List<Path> damagedCopies(File dir) throws IOException {
        List<Path> copies = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir.toPath(), "oplog.mv.db.damaged-*")) {
            s.forEach(copies::add);
        }
        return copies;
    }

    private StoreOpenException refused(File dir) {
        IOException e = assertThrows(IOException.class, () -> open(dir));
        assertTrue("expected a StoreOpenException, got " + e, e instanceof StoreOpenException);
        return (StoreOpenException) e;
    }

    @Test
    public void truncatedFileIsRefusedReportedAndKeptNotSilentlyRolledBack() throws Exception {
        File dir = tmp.newFolder();
        writeAndClose(dir);
        long size = Files.size(db(dir));
        truncate(db(dir), size / 2);
        byte[] truncated = Files.readAllBytes(db(dir));

        StoreOpenException e = refused(dir);
        // H2 itself opens the half file as an older state: only the acknowledged record tells it is behind.
        assertEquals(e.toString(), StoreOpenException.Kind.BEHIND, e.kind());
        assertEquals(WRITES, e.acknowledged());
        assertTrue(e.found() < WRITES);

        String text = Files.readString(report(dir), StandardCharsets.UTF_8);
        assertTrue(text, text.contains("committed log ends at index " + e.found() + ", while index " + WRITES
                + " had been acknowledged"));
        assertTrue(text, text.contains(db(dir).toString()));
        assertTrue(text, text.contains("Restore a backup"));
        assertTrue(text, text.contains("delete " + dir.toPath().resolve("oplog.acknowledged")));
        assertTrue(text, text.contains("no empty log was started"));
        List<Path> copies = damagedCopies(dir);
        assertEquals(1, copies.size());
        assertTrue(text, text.contains(copies.get(0).toString()));
        assertArrayEquals("the copy is the file as found", truncated, Files.readAllBytes(copies.get(0)));
        assertTrue("the database stays where it was", Files.exists(db(dir)));

        // Restarting does not get past it either, and does not copy the same file again.
        assertEquals(StoreOpenException.Kind.BEHIND, refused(dir).kind());
        assertEquals(1, damagedCopies(dir).size());

        // The operator accepts the loss: the log opens with what the file still holds, and the report goes.
        Files.delete(dir.toPath().resolve("oplog.acknowledged"));
        H2OperationLog accepted = open(dir);
        assertEquals(e.found(), accepted.commitIndex());
        // The file may end between a write's append and its commit: then that entry is there, uncommitted.
        long last = accepted.lastIndex();
        assertTrue("last " + last + ", found " + e.found(), last == e.found() || last == e.found() + 1);
        assertTrue(accepted.read(1, WRITES).corruption().isEmpty());
        assertFalse(Files.exists(report(dir)));
        assertEquals(OptionalLong.of(e.found()), AcknowledgedIndex.read(dir.toPath().resolve("oplog.acknowledged")));
    }

    @Test
    public void fileCutInsideItsHeaderIsDamage() throws Exception {
        File dir = tmp.newFolder();
        writeAndClose(dir);
        truncate(db(dir), 100);

        StoreOpenException e = refused(dir);
        assertEquals(e.toString(), StoreOpenException.Kind.DAMAGED, e.kind());
        String text = Files.readString(report(dir), StandardCharsets.UTF_8);
        assertTrue(text, text.contains("the database file is damaged"));
        assertTrue(text, text.contains("org.h2.tools.Recover"));
        assertEquals(1, damagedCopies(dir).size());
        assertEquals(100, Files.size(db(dir)));
    }

    @Test
    public void fileCutToNothingIsNotAnEmptyLog() throws Exception {
        File dir = tmp.newFolder();
        writeAndClose(dir);
        truncate(db(dir), 0);

        StoreOpenException e = refused(dir);
        // H2 would create a new, empty database in the empty file.
        assertEquals(StoreOpenException.Kind.BEHIND, e.kind());
        assertEquals(0, e.found());
        assertTrue(Files.exists(report(dir)));
    }

    @Test
    public void deletedFileIsNotReplacedByAnEmptyLog() throws Exception {
        File dir = tmp.newFolder();
        writeAndClose(dir);
        Files.delete(db(dir));

        StoreOpenException e = refused(dir);
        assertEquals(StoreOpenException.Kind.MISSING, e.kind());
        assertFalse("no new database was created", Files.exists(db(dir)));
        String text = Files.readString(report(dir), StandardCharsets.UTF_8);
        assertTrue(text, text.contains("does not exist, but writes up to index " + WRITES));

        // Starting from the default configuration is the operator's explicit choice.
        Files.delete(dir.toPath().resolve("oplog.acknowledged"));
        assertEquals(0, open(dir).lastIndex());
        assertFalse(Files.exists(report(dir)));
    }

    @Test
    public void lockedFileIsNotDamage() throws Exception {
        File dir = tmp.newFolder();
        writeAndClose(dir);
        byte[] before = Files.readAllBytes(db(dir));
        try (FileChannel c = FileChannel.open(db(dir), StandardOpenOption.READ, StandardOpenOption.WRITE);
             FileLock ignored = c.lock()) {
            StoreOpenException e = refused(dir);
            assertEquals(e.toString(), StoreOpenException.Kind.IN_USE, e.kind());
        }
        String text = Files.readString(report(dir), StandardCharsets.UTF_8);
        assertTrue(text, text.contains("another process has the database open (the database is not damaged)"));
        assertTrue(damagedCopies(dir).isEmpty());
        assertArrayEquals(before, Files.readAllBytes(db(dir)));

        assertEquals(WRITES, open(dir).lastIndex());
        assertFalse("a successful open removes the report", Files.exists(report(dir)));
    }

    @Test
    public void unusableDirectoryIsNotDamage() throws Exception {
        File file = tmp.newFile();
        IOException e = assertThrows(IOException.class, () -> open(file));
        assertEquals(StoreOpenException.Kind.DIRECTORY, ((StoreOpenException) e).kind());
        assertTrue(e.getMessage(), e.getMessage().contains("cannot create or use the directory " + file));
    }

    @Test
    public void newerSchemaIsIncompatibleNotDamage() throws Exception {
        File dir = tmp.newFolder();
        writeAndClose(dir);
        try (Connection c = jdbc(dir); Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE gatehouse_meta SET val = 99 WHERE name = 'schema_version'");
        }
        StoreOpenException e = refused(dir);
        assertEquals(StoreOpenException.Kind.INCOMPATIBLE, e.kind());
        assertTrue(damagedCopies(dir).isEmpty());
        assertTrue(Files.readString(report(dir), StandardCharsets.UTF_8).contains("written by a newer version"));
    }

    @Test
    public void unreadableAcknowledgedRecordIsReported() throws Exception {
        File dir = tmp.newFolder();
        writeAndClose(dir);
        Files.write(dir.toPath().resolve("oplog.acknowledged"), new byte[64]);
        StoreOpenException e = refused(dir);
        assertEquals(StoreOpenException.Kind.RECORD_DAMAGED, e.kind());
        assertTrue(damagedCopies(dir).isEmpty());
    }

    @Test
    public void recordFollowsTheCommitIndex() throws Exception {
        File dir = tmp.newFolder();
        Path record = dir.toPath().resolve("oplog.acknowledged");
        H2OperationLog log = open(dir);
        assertEquals(OptionalLong.of(0), AcknowledgedIndex.read(record));
        log.append(1, "a", List.of(put("Pipeline", "a", "{}"), put("Pipeline", "b", "{}")));
        assertEquals("an append is not acknowledged to a client", OptionalLong.of(0), AcknowledgedIndex.read(record));
        log.commitTo(1);
        assertEquals(OptionalLong.of(1), AcknowledgedIndex.read(record));
        log.appendEntries(List.of(LogEntry.of(2, 1, NOW, "c", List.of(new Change(Operation.PUT, "Pipeline", "c",
                new byte[0])))));
        assertEquals(OptionalLong.of(1), AcknowledgedIndex.read(record));
        log.commitTo(2);
        assertEquals(OptionalLong.of(2), AcknowledgedIndex.read(record));
        log.append(1, "d", List.of(put("Pipeline", "d", "{}")));
        assertEquals(1, log.truncateAfter(2));
        assertEquals(OptionalLong.of(2), AcknowledgedIndex.read(record));
        log.installSnapshot(Snapshot.of(5, 2, NOW, new byte[] {1}));
        assertEquals(OptionalLong.of(5), AcknowledgedIndex.read(record));
        log.deactivate();
        H2OperationLog reopened = open(dir);
        assertEquals(5, reopened.lastIndex());
        assertEquals(5, reopened.commitIndex());
    }

    @Test
    public void lowerCommitIndexIsRefused() throws Exception {
        File dir = tmp.newFolder();
        writeAndClose(dir);
        // An older copy of the database would say so: its commit index is behind the record.
        try (Connection c = jdbc(dir); Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE gatehouse_meta SET val = 250 WHERE name = 'commit_index'");
        }
        StoreOpenException e = refused(dir);
        assertEquals(StoreOpenException.Kind.BEHIND, e.kind());
        assertEquals(250, e.found());
        assertEquals(WRITES, e.acknowledged());
        assertTrue(e.getMessage(), e.getMessage().contains("has commit index 250"));
    }

    @Test
    public void missingCommittedEntriesAreRefused() throws Exception {
        File dir = tmp.newFolder();
        writeAndClose(dir);
        try (Connection c = jdbc(dir); Statement s = c.createStatement()) {
            s.executeUpdate("DELETE FROM oplog WHERE idx > 290");
        }
        // Even without the record: the database contradicts itself.
        Files.delete(dir.toPath().resolve("oplog.acknowledged"));
        StoreOpenException e = refused(dir);
        assertEquals(StoreOpenException.Kind.BEHIND, e.kind());
        assertEquals(290, e.found());
        assertEquals(WRITES, e.acknowledged());
        assertTrue(e.getMessage(), e.getMessage().contains("ends at index 290 below its own commit index " + WRITES));
    }
}
