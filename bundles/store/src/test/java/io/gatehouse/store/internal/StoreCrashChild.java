package io.gatehouse.store.internal;

import io.gatehouse.api.log.LogEntry;
import io.gatehouse.api.log.ReadResult;
import io.gatehouse.api.log.Snapshot;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The writer process of {@link StoreCrashTest}: runs the real store on a directory and does what the core
 * does on a stream of admin writes (recovery read at start, one {@code append} per write, a snapshot and
 * {@code compactUpTo} every few entries), until it is killed.
 *
 * <p>Like the core on a single node, a write is acknowledged once it is appended and committed; at start,
 * an entry appended but not committed before the previous kill is dropped ({@code truncateAfter} the commit
 * index), so that index is written again.
 *
 * <p>Protocol on stdout, one line each, flushed: {@code O <commitIndex>} once the log is open and read,
 * {@code A <index>} only after {@code append} and {@code commitTo} returned (the write is acknowledged), {@code S <index>} after
 * {@code saveSnapshot} returned, {@code C <index>} after {@code compactUpTo} returned, {@code E <message>}
 * on a failure (then it exits with status 2).
 *
 * <p>Arguments: directory, snapshot interval (entries), file size that triggers the reopen compaction (bytes).
 */
public final class StoreCrashChild {

    private StoreCrashChild() {
    }

    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
        String directory = args[0];
        int snapshotEvery = Integer.parseInt(args[1]);
        long minReopenSize = Long.parseLong(args[2]);
        H2OperationLog log = new H2OperationLog(Clock.systemUTC(), name -> null, minReopenSize);
        try {
            log.activate(StoreTestSupport.config(directory, "oplog", 10_000));
            long snapshotIndex = recover(log);
            long index = log.commitIndex();
            log.truncateAfter(index);
            line(out, "O " + index);
            while (true) {
                long next = index + 1;
                LogEntry stored = log.append(1, CrashWorkload.requestId(next), List.of(CrashWorkload.entry(next)));
                if (stored.index() != next) {
                    throw new IllegalStateException("append returned " + stored + " for index " + next);
                }
                log.commitTo(next);
                index = next;
                line(out, "A " + index);
                if (index - snapshotIndex >= snapshotEvery) {
                    log.saveSnapshot(Snapshot.of(index, 1, Instant.now(), CrashWorkload.stateAt(index)));
                    line(out, "S " + index);
                    log.compactUpTo(index);
                    snapshotIndex = index;
                    line(out, "C " + index);
                }
            }
        } catch (Exception | Error e) {
            line(out, "E " + e);
            e.printStackTrace();
            System.exit(2);
        }
    }

    /** The core's start-up: latest snapshot, then every committed entry after it (nothing is written). */
    private static long recover(H2OperationLog log) throws Exception {
        Optional<Snapshot> snapshot = log.latestSnapshot();
        long index = snapshot.map(Snapshot::index).orElse(0L);
        long commit = log.commitIndex();
        while (index < commit) {
            ReadResult page = log.read(index + 1, 256);
            if (page.corruption().isPresent()) {
                throw new IllegalStateException("corrupt log at start: " + page.corruption().get());
            }
            if (page.entries().isEmpty()) {
                throw new IllegalStateException("committed entries " + (index + 1) + ".." + commit + " are missing");
            }
            index = page.entries().get(page.entries().size() - 1).index();
        }
        return snapshot.map(Snapshot::index).orElse(0L);
    }

    private static void line(PrintStream out, String text) {
        out.print(text);
        out.print('\n');
        out.flush();
    }
}
