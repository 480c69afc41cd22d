package io.gatehouse.cluster.internal.replication;

import io.gatehouse.api.log.LogEntry;
import io.gatehouse.api.log.OperationLog;
import io.gatehouse.api.log.ReadResult;
import io.gatehouse.api.log.Snapshot;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * The log rules shared by a follower receiving an append and a new leader adopting fetched entries: entries
 * at or below the commit index are committed (the same on every node) and are skipped; the first entry that
 * differs from the local one (other epoch or checksum, or unreadable) drops the local suffix from there; the
 * rest is appended durably.
 */
final class LogMerge {

    private LogMerge() {
    }

    /** The epoch of the entry at {@code index} (0 for index 0), or -1 when the log cannot tell. */
    static long epochAt(OperationLog log, long index) throws IOException {
        if (index == 0) {
            return 0;
        }
        if (index >= log.firstIndex()) {
            ReadResult r = log.read(index, 1);
            if (!r.entries().isEmpty() && r.entries().get(0).index() == index) {
                return r.entries().get(0).epoch();
            }
            return -1;
        }
        Optional<Snapshot> s = log.latestSnapshot();
        return s.isPresent() && s.get().index() == index ? s.get().epoch() : -1;
    }

    /** The entry at {@code index} if stored and intact. */
    static Optional<LogEntry> entryAt(OperationLog log, long index) throws IOException {
        if (index < 1 || index < log.firstIndex()) {
            return Optional.empty();
        }
        ReadResult r = log.read(index, 1);
        if (r.entries().isEmpty() || r.entries().get(0).index() != index) {
            return Optional.empty();
        }
        return Optional.of(r.entries().get(0));
    }

    /**
     * Merges {@code entries}, which follow {@code prevIndex} in the sender's log; the caller has checked that
     * the local log matches the sender's up to {@code prevIndex}. Returns how many local entries were dropped.
     *
     * @throws IllegalArgumentException when the entries are not contiguous after {@code prevIndex}
     */
    static int merge(OperationLog log, long prevIndex, List<LogEntry> entries) throws IOException {
        int n = entries.size();
        for (int i = 0; i < n; i++) {
            if (entries.get(i).index() != prevIndex + 1 + i) {
                throw new IllegalArgumentException("entries do not follow " + prevIndex + ": " + entries.get(i));
            }
        }
        long commit = log.commitIndex();
        int k = 0;
        while (k < n && entries.get(k).index() <= commit) {
            k++;
        }
        if (k == n) {
            return 0;
        }
        long last = log.lastIndex();
        long from = entries.get(k).index();
        long overlapEnd = Math.min(last, entries.get(n - 1).index());
        if (from <= overlapEnd) {
            for (LogEntry local : log.read(from, (int) (overlapEnd - from + 1)).entries()) {
                LogEntry e = entries.get(k);
                if (local.index() != e.index() || local.epoch() != e.epoch() || local.checksum() != e.checksum()) {
                    break;
                }
                k++;
                if (k == n) {
                    return 0;
                }
            }
        }
        long at = entries.get(k).index();
        int dropped = 0;
        if (at <= last) {
            dropped = log.truncateAfter(at - 1);
        }
        log.appendEntries(entries.subList(k, n));
        return dropped;
    }
}
