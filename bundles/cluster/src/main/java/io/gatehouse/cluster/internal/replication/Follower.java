package io.gatehouse.cluster.internal.replication;

import io.gatehouse.api.log.LogEntry;
import io.gatehouse.api.log.OperationLog;
import io.gatehouse.api.log.ReadResult;
import io.gatehouse.api.log.Snapshot;
import io.gatehouse.cluster.internal.replication.Messages.Append;
import io.gatehouse.cluster.internal.replication.Messages.AppendReply;
import io.gatehouse.cluster.internal.replication.Messages.Fetch;
import io.gatehouse.cluster.internal.replication.Messages.FetchReply;
import io.gatehouse.cluster.internal.replication.Messages.Probe;
import io.gatehouse.cluster.internal.replication.Messages.ProbeReply;
import io.gatehouse.cluster.internal.replication.Messages.SnapshotInstall;
import io.gatehouse.cluster.internal.replication.Messages.SnapshotReply;
import io.gatehouse.cluster.internal.replication.Messages.Status;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The receiving side of replication, on voters and observers alike (docs/cluster.md, "Replication"). Each
 * method is given the highest epoch the node has seen, already raised to the request's epoch when that was
 * higher and recorded durably by the caller: a request from an older epoch is refused with that epoch.
 * Runs on the core's thread.
 */
final class Follower {
    private static final Logger LOG = LoggerFactory.getLogger(Follower.class);

    private final String self;
    private final OperationLog log;
    private final LongSupplier appliedIndex;

    Follower(String self, OperationLog log, LongSupplier appliedIndex) {
        this.self = self;
        this.log = log;
        this.appliedIndex = appliedIndex;
    }

    ProbeReply onProbe(Probe m, long highest) throws IOException {
        Status s = m.epoch() < highest ? Status.STALE_EPOCH : Status.OK;
        return new ProbeReply(highest, s, log.lastEpoch(), log.lastIndex(), log.commitIndex());
    }

    FetchReply onFetch(Fetch m, long highest) throws IOException {
        if (m.epoch() < highest) {
            return new FetchReply(highest, Status.STALE_EPOCH, Optional.empty(), List.of());
        }
        long from = Math.max(1, m.from());
        Optional<Snapshot> snapshot = Optional.empty();
        if (from < log.firstIndex()) {
            snapshot = log.latestSnapshot();
            if (snapshot.isEmpty()) {
                LOG.error("{}: asked for entries from {} but they were compacted and no snapshot is intact", self, from);
                return new FetchReply(highest, Status.FAILED, Optional.empty(), List.of());
            }
            from = snapshot.get().index() + 1;
        }
        ReadResult r = log.read(from, Math.max(1, m.max()));
        r.corruption().ifPresent(c -> LOG.error("{}: entry {} is corrupt ({}); fetch answered up to it",
                self, c.index(), c.reason()));
        return new FetchReply(highest, Status.OK, snapshot, r.entries());
    }

    AppendReply onAppend(Append m, long highest) throws IOException {
        long commit = log.commitIndex();
        long last = log.lastIndex();
        if (m.epoch() < highest) {
            return reply(highest, Status.STALE_EPOCH, 0, false);
        }
        if (m.prevIndex() > last) {
            return reply(highest, Status.MISMATCH, 0, false);
        }
        // Entries at or below the commit index are committed and so the same as the leader's.
        if (m.prevIndex() > commit && LogMerge.epochAt(log, m.prevIndex()) != m.prevEpoch()) {
            return reply(highest, Status.MISMATCH, 0, false);
        }
        try {
            int dropped = LogMerge.merge(log, m.prevIndex(), m.entries());
            if (dropped > 0) {
                LOG.info("{}: dropped {} uncommitted entries that conflict with the leader's (epoch {})", self,
                        dropped, m.epoch());
            }
        } catch (IllegalArgumentException e) {
            LOG.warn("{}: refused entries from the leader: {}", self, e.getMessage());
            return reply(highest, Status.FAILED, 0, false);
        }
        long match = m.prevIndex() + m.entries().size();
        long newCommit = Math.min(m.commitIndex(), match);
        if (newCommit > log.commitIndex()) {
            log.commitTo(newCommit);
        }
        return reply(highest, Status.OK, match, damaged(m));
    }

    SnapshotReply onSnapshot(SnapshotInstall m, long highest) throws IOException {
        if (m.epoch() < highest) {
            return snapshotReply(highest, Status.STALE_EPOCH);
        }
        Snapshot s = m.snapshot();
        if (!s.intact()) {
            LOG.warn("{}: refused a snapshot at {} whose checksum is wrong", self, s.index());
            return snapshotReply(highest, Status.FAILED);
        }
        if (m.repair() || s.index() > log.commitIndex()) {
            log.installSnapshot(s);
            LOG.info("{}: installed the leader's snapshot at {}{}", self, s.index(), m.repair() ? " (repair)" : "");
        }
        return snapshotReply(highest, Status.OK);
    }

    /** Anti-entropy: true when the committed entry the leader named differs from (or is missing in) this log. */
    private boolean damaged(Append m) throws IOException {
        long at = m.checkIndex();
        if (at <= 0 || at > log.commitIndex() || at < log.firstIndex()) {
            return false;
        }
        Optional<LogEntry> mine = LogMerge.entryAt(log, at);
        if (mine.isPresent() && mine.get().epoch() == m.checkEpoch() && mine.get().checksum() == m.checkChecksum()) {
            return false;
        }
        LOG.error("{}: committed entry {} differs from the leader's ({}), asking for a snapshot to repair it",
                self, at, mine.map(e -> "epoch " + e.epoch() + ", checksum " + Long.toHexString(e.checksum()))
                        .orElse("missing or corrupt"));
        return true;
    }

    private AppendReply reply(long highest, Status status, long match, boolean repair) throws IOException {
        return new AppendReply(highest, status, match, log.lastIndex(), log.commitIndex(), appliedIndex.getAsLong(),
                repair);
    }

    private SnapshotReply snapshotReply(long highest, Status status) throws IOException {
        return new SnapshotReply(highest, status, log.lastIndex(), log.commitIndex(), appliedIndex.getAsLong());
    }
}
