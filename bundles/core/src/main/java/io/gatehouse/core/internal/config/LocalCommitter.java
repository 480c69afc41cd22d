package io.gatehouse.core.internal.config;

import io.gatehouse.api.log.Change;
import io.gatehouse.api.log.LogEntry;
import io.gatehouse.api.log.OperationLog;
import java.io.IOException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The commit step of a standalone node (no cluster service): the node is its own one-voter group, so an
 * entry is committed once it is durable here. The node's epoch is a new one per activation, recorded in
 * the log before use. Configuration thread only.
 */
final class LocalCommitter {
    private static final Logger LOG = LoggerFactory.getLogger(LocalCommitter.class);

    private final OperationLog log;
    private long epoch;

    LocalCommitter(OperationLog log) {
        this.log = log;
    }

    /**
     * Starts a leadership of this node: takes an epoch above every epoch seen and sets aside entries that
     * were appended but never committed (never acknowledged to anyone), so that the next commit cannot commit
     * them with it.
     */
    void start() throws IOException {
        long commit = log.commitIndex();
        if (log.lastIndex() > commit) {
            int removed = log.truncateAfter(commit);
            LOG.warn("Set aside {} log entries after the commit index {}: they were never committed", removed, commit);
        }
        takeEpoch();
    }

    private void takeEpoch() throws IOException {
        epoch = log.observeEpoch(Math.max(log.highestEpoch(), log.lastEpoch()) + 1);
        LOG.info("This node commits its configuration changes itself (standalone), at epoch {}", epoch);
    }

    long epoch() {
        return epoch;
    }

    /** Appends one entry and commits it; on a failure nothing stays uncommitted behind it. */
    LogEntry commit(String requestId, List<Change> changes) throws IOException {
        if (epoch == 0 || epoch < log.lastEpoch()) {
            start();
        }
        LogEntry entry = log.append(epoch, requestId, changes);
        try {
            log.commitTo(entry.index());
        } catch (IOException | RuntimeException e) {
            try {
                log.truncateAfter(log.commitIndex());
            } catch (IOException | RuntimeException again) {
                e.addSuppressed(again);
            }
            throw e;
        }
        return entry;
    }
}
