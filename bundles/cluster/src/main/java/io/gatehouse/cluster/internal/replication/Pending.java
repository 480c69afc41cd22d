package io.gatehouse.cluster.internal.replication;

import io.gatehouse.api.cluster.ConsensusException;
import io.gatehouse.api.log.Change;
import io.gatehouse.api.log.LogEntry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** One write waiting on the leader: before it is appended (backlog), then until it commits. */
final class Pending {
    final String requestId;
    final List<Change> changes;
    final Duration timeout;
    final CompletableFuture<LogEntry> future;
    Scheduler.Cancellable deadline;
    LogEntry entry;

    Pending(String requestId, List<Change> changes, Duration timeout, CompletableFuture<LogEntry> future) {
        this.requestId = requestId;
        this.changes = List.copyOf(changes);
        this.timeout = timeout;
        this.future = future;
    }

    void complete(LogEntry committed) {
        cancelDeadline();
        future.complete(committed);
    }

    void fail(ConsensusException.Reason reason, String message, String leader) {
        cancelDeadline();
        future.completeExceptionally(new ConsensusException(reason, message, leader));
    }

    private void cancelDeadline() {
        if (deadline != null) {
            deadline.cancel();
        }
    }
}
