package io.gatehouse.core.internal.testkit;

import io.gatehouse.api.log.Change;
import io.gatehouse.api.log.LogCorruption;
import io.gatehouse.api.log.LogEntry;
import io.gatehouse.api.log.LogListener;
import io.gatehouse.api.log.OperationLog;
import io.gatehouse.api.log.ReadResult;
import io.gatehouse.api.log.Snapshot;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An in-memory operation log honouring the {@link OperationLog} 2.0 contract: gap-free indices, checksums
 * verified on read, append refusing an epoch below the last one, a commit index that only grows and never
 * passes the last index, truncation refused below it, epochs that only grow, snapshots and compaction, and
 * {@link LogListener}s told (outside the lock) after a commit or a snapshot install.
 */
public class MemoryLog implements OperationLog {
    private final List<LogEntry> entries = new ArrayList<>();
    public final List<LogEntry> rejected = new ArrayList<>();
    private final List<LogListener> listeners = new CopyOnWriteArrayList<>();
    private Snapshot snapshot;
    private long commitIndex;
    private long highestEpoch;
    public volatile boolean failAppends;
    public volatile boolean failCommits;
    public volatile int appends;

    /** Registers a listener (what the store's whiteboard does for LogListener services). */
    public void addListener(LogListener l) {
        listeners.add(l);
    }

    public void removeListener(LogListener l) {
        listeners.remove(l);
    }

    @Override
    public synchronized LogEntry append(long epoch, String requestId, List<Change> changes) throws IOException {
        if (failAppends) {
            throw new IOException("disk full");
        }
        if (epoch < lastEpoch()) {
            throw new IllegalArgumentException("epoch " + epoch + " is below the last epoch " + lastEpoch());
        }
        appends++;
        LogEntry e = LogEntry.of(lastIndex() + 1, epoch, Instant.now(), requestId, changes);
        entries.add(e);
        return e;
    }

    @Override
    public synchronized void appendEntries(List<LogEntry> list) {
        long next = lastIndex() + 1;
        long epoch = lastEpoch();
        for (LogEntry e : list) {
            if (e.index() != next++ || e.epoch() < epoch || !e.intact()) {
                throw new IllegalArgumentException("entry " + e + " does not continue the log");
            }
            epoch = e.epoch();
        }
        entries.addAll(list);
    }

    /** Replaces a stored entry as is (to simulate corruption). */
    public synchronized void replace(LogEntry corrupt) {
        for (int i = 0; i < entries.size(); i++) {
            if (entries.get(i).index() == corrupt.index()) {
                entries.set(i, corrupt);
            }
        }
    }

    public synchronized List<LogEntry> entries() {
        return List.copyOf(entries);
    }

    @Override
    public synchronized long lastIndex() {
        if (!entries.isEmpty()) {
            return entries.get(entries.size() - 1).index();
        }
        return snapshot == null ? 0 : snapshot.index();
    }

    @Override
    public synchronized long lastEpoch() {
        if (!entries.isEmpty()) {
            return entries.get(entries.size() - 1).epoch();
        }
        return snapshot == null ? 0 : snapshot.epoch();
    }

    @Override
    public synchronized long firstIndex() {
        return entries.isEmpty() ? lastIndex() + 1 : entries.get(0).index();
    }

    @Override
    public synchronized ReadResult read(long fromIndex, int max) {
        List<LogEntry> out = new ArrayList<>();
        for (LogEntry e : entries) {
            if (e.index() < fromIndex) {
                continue;
            }
            if (out.size() == max) {
                break;
            }
            if (!e.intact()) {
                return new ReadResult(out, Optional.of(new LogCorruption(e.index(), "checksum mismatch")));
            }
            out.add(e);
        }
        return new ReadResult(out, Optional.empty());
    }

    @Override
    public synchronized int truncateAfter(long index) {
        if (index < commitIndex) {
            throw new IllegalStateException("cannot truncate below the commit index " + commitIndex);
        }
        int removed = 0;
        for (int i = entries.size() - 1; i >= 0; i--) {
            if (entries.get(i).index() > index) {
                rejected.add(0, entries.remove(i));
                removed++;
            }
        }
        return removed;
    }

    @Override
    public synchronized long commitIndex() {
        return commitIndex;
    }

    @Override
    public void commitTo(long index) throws IOException {
        synchronized (this) {
            if (failCommits) {
                throw new IOException("disk full");
            }
            if (index > lastIndex()) {
                throw new IllegalArgumentException("commit index " + index + " is above the last index " + lastIndex());
            }
            if (index <= commitIndex) {
                return;
            }
            commitIndex = index;
        }
        listeners.forEach(l -> l.committed(index));
    }

    @Override
    public synchronized long highestEpoch() {
        return highestEpoch;
    }

    @Override
    public synchronized long observeEpoch(long epoch) {
        highestEpoch = Math.max(highestEpoch, epoch);
        return highestEpoch;
    }

    @Override
    public synchronized void saveSnapshot(Snapshot s) {
        snapshot = s;
    }

    @Override
    public synchronized Optional<Snapshot> latestSnapshot() {
        return Optional.ofNullable(snapshot);
    }

    @Override
    public synchronized int compactUpTo(long index) {
        if (snapshot == null || index > snapshot.index()) {
            throw new IllegalArgumentException("no snapshot covers index " + index);
        }
        int before = entries.size();
        entries.removeIf(e -> e.index() <= index);
        return before - entries.size();
    }

    @Override
    public void installSnapshot(Snapshot s) {
        synchronized (this) {
            rejected.addAll(entries);
            entries.clear();
            snapshot = s;
            commitIndex = s.index();
            highestEpoch = Math.max(highestEpoch, s.epoch());
        }
        listeners.forEach(l -> l.snapshotInstalled(s.index()));
    }
}
