package io.gatehouse.store.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.gatehouse.api.log.LogEntry;
import io.gatehouse.api.log.ReadResult;
import io.gatehouse.api.log.Snapshot;
import java.io.File;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.Test;

/**
 * What {@code kill -9} leaves is the database file as it is while the store is open (every write H2 made
 * is in the page cache), so opening a copy of the open file is a crash and restart, deterministically.
 *
 * <p>The regression of issue 5: with H2 reusing free space, a large commit (a snapshot) is written at the
 * end of the file and the small commits after it go into holes in the middle; H2 then writes its store
 * header pointing at the large chunk, whose "next chunk" prediction is wrong, so at the next open the small
 * commits are unreachable and H2 silently opens the state of the snapshot. In a running gateway chunks
 * become reusable once older than H2's 45 s retention time; the test sets it to 0 to get there at once.
 */
public class CrashImageTest extends StoreTestSupport {

    @Test
    public void everyAcknowledgedWriteIsReachableAfterASnapshotInAnAgedFile() throws Exception {
        for (int seed = 0; seed < 4; seed++) {
            File dir = tmp.newFolder();
            H2OperationLog log = open(dir, 10_000, Long.MAX_VALUE);
            try (Connection c = jdbc(dir); Statement s = c.createStatement()) {
                s.execute("SET RETENTION_TIME 0");
            }
            Random random = new Random(seed);
            long last = 0;
            for (int round = 0; round < 12; round++) {
                for (int i = 0; i < 10; i++) {
                    last = write(log, 1, put("Pipeline", "p" + random.nextInt(50),
                            "{\"x\":\"" + "y".repeat(100 + random.nextInt(1500)) + "\"}")).index();
                }
                byte[] state = new byte[150_000 + random.nextInt(50_000)];
                random.nextBytes(state);
                log.saveSnapshot(Snapshot.of(last, 1, NOW, state));
                log.compactUpTo(last);
            }
            List<LogEntry> tail = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                tail.add(write(log, 1, put("Pipeline", "tail" + i, "{}")));
            }
            last = tail.get(tail.size() - 1).index();

            File crashed = tmp.newFolder();
            Files.copy(dir.toPath().resolve("oplog.mv.db"), crashed.toPath().resolve("oplog.mv.db"));
            H2OperationLog restarted = open(crashed, 10_000, Long.MAX_VALUE);
            assertEquals("seed " + seed + ": the restarted log must end at the last acknowledged write", last,
                    restarted.lastIndex());
            assertEquals("seed " + seed + ": every acknowledged write is committed", last, restarted.commitIndex());
            ReadResult r = restarted.read(tail.get(0).index(), 10);
            assertEquals("seed " + seed, tail, r.entries());
            assertTrue(r.corruption().isEmpty());
            log.deactivate();
            restarted.deactivate();
        }
    }
}
