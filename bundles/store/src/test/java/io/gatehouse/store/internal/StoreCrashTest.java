package io.gatehouse.store.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.gatehouse.api.log.LogEntry;
import io.gatehouse.api.log.ReadResult;
import io.gatehouse.api.log.Snapshot;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.After;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * Crash test of the store: a child JVM ({@link StoreCrashChild}) runs the real {@link H2OperationLog} and
 * writes like the core does (one append and commit per write, a snapshot and a compaction every few entries, the
 * file compaction included), and is killed with SIGKILL at random moments: after a random delay, right
 * after a snapshot, right after a {@code compactUpTo}, after a random number of acknowledged appends, or
 * during its first append (which compacts the file, grown past its threshold in the previous life). After
 * every kill the log is opened like at a restart and checked: every acknowledged (committed) entry is there,
 * intact and exactly as written, and the commit index covers it; at most the one unacknowledged write in
 * flight is there too, whole, committed or not; the newest
 * snapshot is at least the last acknowledged one and holds exactly the state at its index; the log after
 * it is contiguous. Then the next child continues on the same files, so the database ages (H2 frees and
 * reuses old chunk space only after its retention time) and grows into the reopen compaction.
 *
 * <p>System properties: {@code gatehouse.crash.kills} (default 100), {@code gatehouse.crash.seconds}
 * (time budget, default 150; the test stops killing when it is spent and needs at least
 * {@code gatehouse.crash.minKills}, default 40), {@code gatehouse.crash.seed}, {@code gatehouse.crash.dir}
 * (keep the files there instead of a temporary folder), {@code gatehouse.crash.keepGoing=true} (count lost
 * writes over all kills instead of failing at the first). The long local run is
 * {@code mvn -o verify -pl bundles/store -Pcrash-long} (see docs/storage.md).
 */
public class StoreCrashTest {

    private static final int SNAPSHOT_EVERY = 10;

    /**
     * File size that triggers the file compaction in a writer. The first {@link #AGING_SHARE} of the kills
     * use the production minimum, so that the file lives longer than H2's 45 s retention time and its old
     * chunks become free space (the condition of the original loss); the rest use a small one, so that the
     * file is compacted every few dozen writes and kills land during compactions.
     */
    private static final long SMALL_REOPEN_SIZE = 256 * 1024;
    private static final double AGING_SHARE = 0.4;

    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    private final ScheduledExecutorService killer = Executors.newSingleThreadScheduledExecutor();
    private Process child;

    @After
    public void stopEverything() throws InterruptedException {
        if (child != null) {
            child.destroyForcibly();
            child.waitFor(10, TimeUnit.SECONDS);
        }
        killer.shutdownNow();
        assertTrue("kill scheduler did not stop", killer.awaitTermination(10, TimeUnit.SECONDS));
    }

    @Test
    public void everyAcknowledgedWriteSurvivesKill9() throws Exception {
        int kills = Integer.getInteger("gatehouse.crash.kills", 100);
        int minKills = Math.min(kills, Integer.getInteger("gatehouse.crash.minKills", 40));
        long budgetNanos = TimeUnit.SECONDS.toNanos(Integer.getInteger("gatehouse.crash.seconds", 150));
        long seed = Long.getLong("gatehouse.crash.seed", System.nanoTime());
        boolean keepGoing = Boolean.getBoolean("gatehouse.crash.keepGoing");
        String dirProperty = System.getProperty("gatehouse.crash.dir");
        File dir = dirProperty == null ? tmp.newFolder("db") : new File(dirProperty);
        Files.createDirectories(dir.toPath());
        Random random = new Random(seed);
        Stats stats = new Stats();
        long start = System.nanoTime();
        List<String> losses = new ArrayList<>();
        String context = "seed " + seed + ", directory " + dir;
        for (int round = 1; round <= kills && (round <= minKills || System.nanoTime() - start < budgetNanos);
                round++) {
            Run run = runAndKill(dir, random, round, kills);
            String problem = check(dir, run, round, keepGoing);
            stats.add(run);
            if (problem != null) {
                losses.add("kill " + round + " (" + run.trigger + "): " + problem);
                if (!keepGoing) {
                    fail(problem + "\n(" + context + "; the file as found after the kill is kept as "
                            + run.copy + ")");
                }
            }
        }
        String summary = String.format("StoreCrashTest: %d kills in %.1f s (%s), %d acknowledged writes, "
                        + "%d snapshots acknowledged, %d file compactions, %d kills with a loss; %s",
                stats.kills, (System.nanoTime() - start) / 1e9, stats.triggers(), stats.acknowledged,
                stats.snapshots, stats.reopens, losses.size(), context);
        System.out.println(summary);
        losses.forEach(System.out::println);
        assertTrue("the test killed no child", stats.kills > 0);
        assertTrue("nothing was acknowledged: " + summary, stats.acknowledged > 0);
        assertEquals(summary + "\n" + String.join("\n", losses), 0, losses.size());
    }

    /** Starts a writer, kills it with SIGKILL at a random moment, and returns what it acknowledged. */
    private Run runAndKill(File dir, Random random, int round, int kills) throws Exception {
        Path stderr = dir.toPath().resolveSibling("child-" + round + ".err");
        long reopenSize = round <= kills * AGING_SHARE ? StoreConnection.MIN_REOPEN_SIZE : SMALL_REOPEN_SIZE;
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), StoreCrashChild.class.getName(),
                dir.getAbsolutePath(), String.valueOf(SNAPSHOT_EVERY), String.valueOf(reopenSize))
                .redirectError(stderr.toFile());
        // 0: a random delay after the writer opened the log; 1, 2, 3: right after its n-th snapshot,
        // compactUpTo or acknowledged append; 4: during its first append, which compacts the file (it has
        // grown past its threshold during the previous life).
        int kind = random.nextInt(5);
        int count = kind == 3 ? 1 + random.nextInt(40) : 1 + random.nextInt(4);
        long delayMicros = switch (kind) {
            case 0 -> random.nextInt(800_000);
            case 4 -> random.nextInt(600_000);
            default -> random.nextInt(3_000);
        };
        String trigger = switch (kind) {
            case 0 -> "after " + delayMicros / 1000 + " ms";
            case 1 -> "snapshot #" + count + " +" + delayMicros + " us";
            case 2 -> "compactUpTo #" + count + " +" + delayMicros + " us";
            case 3 -> "append #" + count + " +" + delayMicros + " us";
            default -> "first append +" + delayMicros + " us";
        };
        char event = switch (kind) {
            case 1 -> 'S';
            case 2 -> 'C';
            case 3 -> 'A';
            default -> 'O';
        };
        int eventCount = kind == 0 || kind == 4 ? 1 : count;
        AtomicLong opened = new AtomicLong(-1);
        AtomicLong acked = new AtomicLong(-1);
        AtomicLong snapshot = new AtomicLong(0);
        AtomicLong snapshots = new AtomicLong(0);
        AtomicReference<String> error = new AtomicReference<>();
        CountDownLatch eof = new CountDownLatch(1);
        child = pb.start();
        Process p = child;
        Thread reader = new Thread(() -> {
            int seen = 0;
            try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    char type = line.charAt(0);
                    String arg = line.substring(2);
                    switch (type) {
                        case 'O' -> {
                            opened.set(Long.parseLong(arg));
                            acked.set(Long.parseLong(arg));
                        }
                        case 'A' -> acked.set(Long.parseLong(arg));
                        case 'S' -> {
                            snapshot.set(Long.parseLong(arg));
                            snapshots.incrementAndGet();
                        }
                        case 'E' -> error.set(arg);
                        default -> {
                        }
                    }
                    if (type == event && ++seen == eventCount) {
                        // SIGKILL through the handle: Process.destroyForcibly would also close our end of the pipe
                        // and lose the acknowledgements the child wrote just before it died.
                        killer.schedule(() -> p.toHandle().destroyForcibly(), delayMicros, TimeUnit.MICROSECONDS);
                    }
                }
            } catch (IOException | RuntimeException e) {
                error.compareAndSet(null, "reading the child's output: " + e);
            } finally {
                eof.countDown();
            }
        }, "crash-test-reader-" + round);
        reader.setDaemon(true);
        reader.start();
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                fail("kill " + round + ": the writer neither reached its trigger (" + trigger
                        + ") nor died within 60 s; stderr in " + stderr);
            }
            assertTrue("the child's output did not end", eof.await(10, TimeUnit.SECONDS));
        } finally {
            p.toHandle().destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
            child = null;
        }
        if (error.get() != null || p.exitValue() != 137) {
            fail("kill " + round + ": the writer failed by itself (exit " + p.exitValue() + "): " + error.get()
                    + "\n" + Files.readString(stderr));
        }
        if (opened.get() < 0) {
            fail("kill " + round + ": the writer never opened the log; stderr: " + Files.readString(stderr));
        }
        int reopens = countReopens(stderr);
        Files.delete(stderr);
        return new Run(trigger, opened.get(), acked.get(), snapshot.get(), snapshots.get(), reopens);
    }

    private static int countReopens(Path stderr) throws IOException {
        int n = 0;
        for (String line : Files.readAllLines(stderr, StandardCharsets.UTF_8)) {
            if (line.contains("Compacted the operation log database")) {
                n++;
            }
        }
        return n;
    }

    /** Opens the killed writer's log like a restart and returns what is wrong with it, or null. */
    private String check(File dir, Run run, int round, boolean keepGoing) throws Exception {
        Path db = dir.toPath().resolve("oplog.mv.db");
        run.duringFileCompaction = Files.exists(dir.toPath().resolve("oplog.compacting.mv.db"));
        Path copy = dir.toPath().resolveSibling("after-kill-" + round + ".mv.db");
        Files.copy(db, copy, StandardCopyOption.REPLACE_EXISTING);
        run.copy = copy;
        H2OperationLog log = new H2OperationLog(Clock.systemUTC(), name -> null, Long.MAX_VALUE);
        try {
            log.activate(StoreTestSupport.config(dir.getPath(), "oplog", 10_000));
        } catch (StoreOpenException e) {
            if (keepGoing) {
                // Counting losses: accept what the file holds, as an operator would, and go on.
                Files.deleteIfExists(dir.toPath().resolve("oplog.acknowledged"));
                Files.deleteIfExists(dir.toPath().resolve(StoreLocation.FAILURE_FILE));
            }
            return "the store refused to open after the kill (" + e.kind() + "): " + e.getMessage();
        }
        try {
            long last = log.lastIndex();
            long commit = log.commitIndex();
            if (commit < run.acked) {
                return "lost acknowledged writes " + (commit + 1) + ".." + run.acked + " (" + (run.acked - commit)
                        + "): the commit index is " + commit + ", the log ends at " + last;
            }
            if (last < commit) {
                return "the log ends at " + last + ", below its commit index " + commit;
            }
            if (last > run.acked + 1 || commit > run.acked + 1) {
                return "the log ends at " + last + " (commit index " + commit + ") but only " + run.acked
                        + " was acknowledged and one write at a time was in flight";
            }
            Optional<Snapshot> snapshot = log.latestSnapshot();
            long from = 1;
            if (snapshot.isPresent()) {
                Snapshot s = snapshot.get();
                if (!Arrays.equals(s.state(), CrashWorkload.stateAt(s.index())) || s.index() > commit) {
                    return "the snapshot at " + s.index() + " does not hold the state at its index (commit index "
                            + commit + ")";
                }
                from = s.index() + 1;
            }
            if (run.snapshot > 0 && snapshot.map(Snapshot::index).orElse(0L) < run.snapshot) {
                return "the acknowledged snapshot at " + run.snapshot + " is gone (newest: "
                        + snapshot.map(Snapshot::index).orElse(0L) + ")";
            }
            long expected = from;
            while (expected <= last) {
                ReadResult page = log.read(expected, 256);
                for (LogEntry e : page.entries()) {
                    if (e.index() != expected || !CrashWorkload.matches(e)) {
                        return "entry " + e.index() + " is not what was written at " + expected;
                    }
                    expected++;
                }
                if (page.corruption().isPresent()) {
                    return "corrupt log: " + page.corruption().get() + " (acknowledged up to " + run.acked + ")";
                }
                if (page.entries().isEmpty() && expected <= last) {
                    return "entries " + expected + ".." + last + " are missing";
                }
            }
            Files.delete(copy);
            run.copy = null;
            return null;
        } finally {
            log.deactivate();
        }
    }

    /** One writer's life. */
    private static final class Run {
        final String trigger;
        final long opened;
        final long acked;
        final long snapshot;
        final long snapshots;
        final int reopens;
        boolean duringFileCompaction;
        Path copy;

        Run(String trigger, long opened, long acked, long snapshot, long snapshots, int reopens) {
            this.trigger = trigger;
            this.opened = opened;
            this.acked = acked;
            this.snapshot = snapshot;
            this.snapshots = snapshots;
            this.reopens = reopens;
        }
    }

    /** Totals over all kills. */
    private static final class Stats {
        int kills;
        long acknowledged;
        long snapshots;
        long reopens;
        int duringFileCompaction;
        final int[] byTrigger = new int[5];

        void add(Run run) {
            kills++;
            acknowledged += run.acked - run.opened;
            snapshots += run.snapshots;
            reopens += run.reopens;
            duringFileCompaction += run.duringFileCompaction ? 1 : 0;
            String t = run.trigger;
            byTrigger[t.startsWith("after") ? 0 : t.startsWith("snapshot") ? 1 : t.startsWith("compactUpTo") ? 2
                    : t.startsWith("append") ? 3 : 4]++;
        }

        String triggers() {
            return "random delay " + byTrigger[0] + ", after a snapshot " + byTrigger[1] + ", after a compactUpTo "
                    + byTrigger[2] + ", after n appends " + byTrigger[3] + ", during the first append " + byTrigger[4]
                    + "; " + duringFileCompaction
                    + " landed during a file compaction";
        }
    }
}
