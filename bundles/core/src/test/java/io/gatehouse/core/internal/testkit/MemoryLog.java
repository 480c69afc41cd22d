package io.gatehouse.core.internal.testkit;

import io.gatehouse.api.log.LogCorruption;
import io.gatehouse.api.log.LogEntry;
import io.gatehouse.api.log.NewEntry;
import io.gatehouse.api.log.OperationLog;
import io.gatehouse.api.log.ReadResult;
import io.gatehouse.api.log.Snapshot;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** An in-memory operation log honouring the contract (checksums verified on read, gap-free indices). */
public class MemoryLog implements OperationLog {
    private final List<LogEntry> entries = new ArrayList<>();
    public final List<LogEntry> rejected = new ArrayList<>();
    private Snapshot snapshot;
    public volatile boolean failAppends;
    public volatile int appends;

    @Override
    public synchronized List<LogEntry> append(long epoch, List<NewEntry> operations) throws IOException {
        if (failAppends) {
            throw new IOException("disk full");
        }
        appends++;
        long next = lastIndex() + 1;
        List<LogEntry> out = new ArrayList<>();
        for (NewEntry op : operations) {
            out.add(LogEntry.of(next++, epoch, Instant.now(), op.operation(), op.kind(), op.name(), op.payload()));
        }
        entries.addAll(out);
        return out;
    }

    @Override
    public synchronized void appendEntries(List<LogEntry> list) {
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
        return entries.isEmpty() ? 0 : entries.get(entries.size() - 1).epoch();
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
    public synchronized void saveSnapshot(Snapshot s) {
        snapshot = s;
    }

    @Override
    public synchronized Optional<Snapshot> latestSnapshot() {
        return Optional.ofNullable(snapshot);
    }

    @Override
    public synchronized int compactUpTo(long index) {
        int before = entries.size();
        entries.removeIf(e -> e.index() <= index);
        return before - entries.size();
    }
}
