package io.gatehouse.cluster.internal.replication;

import io.gatehouse.api.log.Change;
import io.gatehouse.api.log.LogCorruption;
import io.gatehouse.api.log.LogEntry;
import io.gatehouse.api.log.OperationLog;
import io.gatehouse.api.log.ReadResult;
import io.gatehouse.api.log.Snapshot;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * An in-memory {@link OperationLog} that honours the interface's contract exactly (gap-free indices, epochs
 * never decreasing, checksums verified on read, commit index monotonic and never above the last index,
 * truncation below the commit index refused, observeEpoch a maximum, installSnapshot replacing the log).
 * Every call is "durable" when it returns, so a crash model keeps this object and drops everything else.
 * Test hooks damage entries and observe commits.
 */
public final class MemoryOperationLog implements OperationLog {

    /** Told of every commit index advance with the newly committed entries (on the caller's thread). */
    interface CommitObserver {
        void committed(MemoryOperationLog log, List<LogEntry> entries);
    }

    private final String name;
    private final Supplier<Instant> clock;
    private final List<LogEntry> entries = new ArrayList<>();
    private final List<LogEntry> setAside = new ArrayList<>();
    private long first = 1;
    private Snapshot snapshot;
    private long commitIndex;
    private long highestEpoch;
    private volatile CommitObserver observer;

    public MemoryOperationLog(String name, Supplier<Instant> clock) {
        this.name = name;
        this.clock = clock;
    }

    String name() {
        return name;
    }

    void observer(CommitObserver o) {
        observer = o;
    }

    @Override
    public LogEntry append(long epoch, String requestId, List<Change> changes) throws IOException {
        LogEntry e;
        synchronized (this) {
            if (epoch < lastEpoch()) {
                throw new IllegalArgumentException("epoch " + epoch + " is below the last epoch " + lastEpoch());
            }
            e = LogEntry.of(lastIndex() + 1, epoch, clock.get(), requestId, changes);
            entries.add(e);
        }
        return e;
    }

    @Override
    public synchronized void appendEntries(List<LogEntry> list) throws IOException {
        long next = lastIndex() + 1;
        long epoch = lastEpoch();
        for (LogEntry e : list) {
            if (e.index() != next) {
                throw new IllegalArgumentException("expected index " + next + ", got " + e.index());
            }
            if (e.epoch() < epoch) {
                throw new IllegalArgumentException("epoch goes back at " + e.index());
            }
            if (!e.intact()) {
                throw new IllegalArgumentException("checksum mismatch at " + e.index());
            }
            next++;
            epoch = e.epoch();
        }
        entries.addAll(list);
    }

    @Override
    public synchronized long lastIndex() {
        return first - 1 + entries.size();
    }

    @Override
    public synchronized long lastEpoch() {
        if (!entries.isEmpty()) {
            return entries.get(entries.size() - 1).epoch();
        }
        return snapshot != null && snapshot.index() == first - 1 ? snapshot.epoch() : 0;
    }

    @Override
    public synchronized long firstIndex() {
        return first;
    }

    @Override
    public synchronized ReadResult read(long fromIndex, int max) {
        List<LogEntry> out = new ArrayList<>();
        for (long i = Math.max(fromIndex, first); i <= lastIndex() && out.size() < max; i++) {
            LogEntry e = entries.get((int) (i - first));
            if (!e.intact()) {
                return new ReadResult(out, Optional.of(new LogCorruption(i, "checksum mismatch")));
            }
            out.add(e);
        }
        return new ReadResult(out, Optional.empty());
    }

    @Override
    public synchronized int truncateAfter(long index) {
        if (index < commitIndex) {
            throw new IllegalStateException("cannot truncate after " + index + ": committed up to " + commitIndex);
        }
        if (index < first - 1) {
            throw new IllegalArgumentException("entries up to " + (first - 1) + " were compacted");
        }
        int removed = 0;
        while (lastIndex() > index) {
            setAside.add(entries.remove(entries.size() - 1));
            removed++;
        }
        return removed;
    }

    @Override
    public synchronized long commitIndex() {
        return commitIndex;
    }

    @Override
    public void commitTo(long index) throws IOException {
        List<LogEntry> newly;
        synchronized (this) {
            if (index > lastIndex()) {
                throw new IllegalArgumentException("commit " + index + " above the last index " + lastIndex());
            }
            if (index <= commitIndex) {
                return;
            }
            newly = new ArrayList<>();
            for (long i = Math.max(commitIndex + 1, first); i <= index; i++) {
                newly.add(entries.get((int) (i - first)));
            }
            commitIndex = index;
        }
        CommitObserver o = observer;
        if (o != null) {
            o.committed(this, newly);
        }
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
        if (s.index() > commitIndex) {
            throw new IllegalArgumentException("snapshot above the commit index");
        }
        snapshot = s;
    }

    @Override
    public synchronized Optional<Snapshot> latestSnapshot() {
        return Optional.ofNullable(snapshot);
    }

    @Override
    public synchronized int compactUpTo(long index) {
        if (snapshot == null || index > snapshot.index()) {
            throw new IllegalArgumentException("can only compact up to the latest snapshot");
        }
        int removed = 0;
        while (first <= index && !entries.isEmpty()) {
            entries.remove(0);
            first++;
            removed++;
        }
        return removed;
    }

    @Override
    public void installSnapshot(Snapshot s) {
        synchronized (this) {
            setAside.addAll(entries);
            entries.clear();
            snapshot = s;
            first = s.index() + 1;
            commitIndex = s.index();
        }
    }

    // ---- test hooks

    /** Replaces a stored entry as is (local damage), even a committed one. */
    synchronized void damage(LogEntry replacement) {
        entries.set((int) (replacement.index() - first), replacement);
    }

    public synchronized List<LogEntry> entries() {
        return List.copyOf(entries);
    }

    synchronized List<LogEntry> setAside() {
        return List.copyOf(setAside);
    }
}
