package io.gatehouse.store.internal;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.gatehouse.api.log.LogEntry;
import io.gatehouse.api.log.Snapshot;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.Test;

/** The file compaction (a copy into a new file that replaces the old one) keeps every row of every table. */
public class CompactionTest extends StoreTestSupport {

    @Test
    public void everyTableSurvivesTheRewrite() throws Exception {
        File dir = tmp.newFolder();
        // A threshold of one byte: every write rewrites the file.
        H2OperationLog log = open(dir, 10_000, 1);
        List<LogEntry> written = new ArrayList<>();
        for (int i = 1; i <= 6; i++) {
            written.add(log.append(1, "r" + i, List.of(put("Pipeline", "p" + i, "{\"n\":" + i + "}"))));
        }
        log.commitTo(4);
        assertEquals(2, log.truncateAfter(4));
        Snapshot older = Snapshot.of(3, 1, NOW, "three".getBytes(StandardCharsets.UTF_8));
        Snapshot newer = Snapshot.of(4, 1, NOW, new byte[300_000]);
        log.saveSnapshot(older);
        log.saveSnapshot(newer);
        log.compactUpTo(4);
        written.add(log.append(1, "r7", List.of(put("Pipeline", "p7", "{}"))));
        assertEquals(1, log.truncateAfter(4));
        written.add(log.append(2, "r8", List.of(put("Pipeline", "p8", "{}"))));
        log.commitTo(5);
        log.observeEpoch(9);
        log.deactivate();

        H2OperationLog reopened = open(dir, 10_000, Long.MAX_VALUE);
        assertEquals(5, reopened.lastIndex());
        assertEquals(2, reopened.lastEpoch());
        assertEquals(5, reopened.commitIndex());
        assertEquals(9, reopened.highestEpoch());
        assertEquals(written.get(3), reopened.read(4, 10).entries().get(0));
        assertEquals(written.subList(written.size() - 1, written.size()), reopened.read(5, 10).entries());
        assertArrayEquals(newer.state(), reopened.latestSnapshot().orElseThrow().state());
        reopened.deactivate();
        try (Connection c = jdbc(dir); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT idx FROM snapshot ORDER BY idx")) {
                assertTrue(rs.next());
                assertEquals(3, rs.getLong(1));
                assertTrue(rs.next());
                assertEquals(4, rs.getLong(1));
            }
            assertEquals(3L, (long) Schema.readMeta(c, Schema.COMPACTED_THROUGH));
            try (ResultSet rs = s.executeQuery("SELECT id, idx, request_id, reason, rejected_at FROM oplog_rejected "
                    + "ORDER BY id")) {
                List<String> rows = new ArrayList<>();
                while (rs.next()) {
                    assertTrue(rs.getObject(5) != null);
                    rows.add(rs.getLong(1) + ":" + rs.getLong(2) + ":" + rs.getString(3) + ":" + rs.getString(4));
                }
                // Ids go on where they were before the rewrites.
                assertEquals(List.of("1:5:r5:truncated", "2:6:r6:truncated", "3:5:r7:truncated"), rows);
            }
        }
    }

    @Test
    public void aCompactionCutShortByACrashIsCleanedUpAtOpen() throws Exception {
        File dir = tmp.newFolder();
        H2OperationLog log = open(dir);
        write(log, 1, put("Pipeline", "a", "{}"));
        log.deactivate();
        Path leftover = dir.toPath().resolve("oplog.compacting.mv.db");
        Files.write(leftover, new byte[] {1, 2, 3});

        assertEquals(1, open(dir).lastIndex());
        assertFalse(Files.exists(leftover));
    }
}
