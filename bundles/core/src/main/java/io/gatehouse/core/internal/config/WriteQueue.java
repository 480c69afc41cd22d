package io.gatehouse.core.internal.config;

import io.gatehouse.api.config.ConfigException;
import io.gatehouse.api.log.Change;
import io.gatehouse.api.log.LogEntry;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's write path: plans one request at a time on the configuration thread, commits its entry and
 * answers once the entry is applied here. The next plan starts once the previous entry is applied, has
 * failed, or its deadline has passed, so every plan is made against a state that holds every earlier entry.
 * A request id already applied is answered from its recorded outcome and nothing is appended. The queue is
 * bounded: beyond {@code capacity} waiting requests a write is refused with 503.
 */
final class WriteQueue {
    private static final Logger LOG = LoggerFactory.getLogger(WriteQueue.class);

    /** Commits one entry (through the cluster, or locally on a standalone node). */
    @FunctionalInterface
    interface Committer {
        CompletableFuture<LogEntry> commit(String requestId, List<Change> changes, Duration timeout);
    }

    private final Executor configThread;
    private final Planner planner;
    private final Applier applier;
    private final AppliedWaiters waiters;
    private final Committer committer;
    private final int capacity;
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    private boolean busy;

    private record Pending(WriteJob job, CompletableFuture<Outcome> future, long deadline, AtomicBoolean done) {
        Duration remaining() {
            return Duration.ofNanos(Math.max(1_000_000, deadline - System.nanoTime()));
        }
    }

    WriteQueue(Executor configThread, Planner planner, Applier applier, AppliedWaiters waiters, Committer committer,
               int capacity) {
        this.configThread = configThread;
        this.planner = planner;
        this.applier = applier;
        this.waiters = waiters;
        this.committer = committer;
        this.capacity = capacity;
    }

    /**
     * Queues a job; {@code future} (whose deadline the caller enforces) completes with the answer.
     *
     * @throws ConfigException 503 when {@code capacity} requests are waiting already
     */
    void submit(WriteJob job, CompletableFuture<Outcome> future) throws ConfigException {
        Pending p = new Pending(job, future, System.nanoTime() + job.timeout().toNanos(), new AtomicBoolean());
        synchronized (this) {
            if (queue.size() >= capacity) {
                throw Failures.unavailable("too many writes are waiting (" + capacity + "); try again later");
            }
            queue.add(p);
            if (busy) {
                return;
            }
            busy = true;
        }
        schedule();
    }

    synchronized int waiting() {
        return queue.size();
    }

    private void schedule() {
        try {
            configThread.execute(this::next);
        } catch (RejectedExecutionException e) {
            List<Pending> dropped;
            synchronized (this) {
                dropped = List.copyOf(queue);
                queue.clear();
                busy = false;
            }
            dropped.forEach(p -> p.future().completeExceptionally(
                    Failures.unavailable("the configuration service is stopping or overloaded")));
        }
    }

    private void next() {
        Pending p;
        synchronized (this) {
            p = queue.poll();
            if (p == null) {
                busy = false;
                return;
            }
        }
        run(p);
    }

    /** Exactly once per job: the queue moves on. */
    private void done(Pending p) {
        if (p.done().compareAndSet(false, true)) {
            schedule();
        }
    }

    private void run(Pending p) {
        if (p.future().isDone()) {
            done(p);
            return;
        }
        WriteJob job = p.job();
        try {
            Outcome known = applier.outcome(job.requestId());
            if (known != null) {
                p.future().complete(job.answer(planner, known));
                done(p);
                return;
            }
            if (applier.stuckAt() > 0) {
                throw Failures.unavailable("this node's operation log is damaged at committed entry "
                        + applier.stuckAt() + "; it serves the configuration as of index " + applier.appliedIndex()
                        + " and takes no writes until the log is repaired (see storage.md)");
            }
            Planner.Plan plan = job.plan(planner);
            if (plan.immediate() != null) {
                p.future().complete(job.answer(planner, plan.immediate()));
                done(p);
                return;
            }
            // the client's deadline also frees the queue: a commit that never answers must not stall it
            p.future().whenComplete((r, e) -> done(p));
            committer.commit(job.requestId(), plan.changes(), p.remaining())
                    .whenComplete((entry, failure) -> committed(p, entry, failure));
        } catch (ConfigException e) {
            p.future().completeExceptionally(e);
            done(p);
        } catch (RuntimeException e) {
            LOG.error("Planning write request {} failed unexpectedly", job.requestId(), e);
            p.future().completeExceptionally(Failures.of(e, job.timeout()));
            done(p);
        }
    }

    private void committed(Pending p, LogEntry entry, Throwable failure) {
        if (failure != null) {
            p.future().completeExceptionally(Failures.of(failure, p.job().timeout()));
            done(p);
            return;
        }
        CompletableFuture<Void> applied = waiters.await(entry.index());
        p.future().whenComplete((r, e) -> applied.cancel(false));
        applied.thenRun(() -> answer(p, entry));
        try {
            // the log's listeners also report the commit; catching up here does not depend on them
            configThread.execute(applier::catchUp);
        } catch (RejectedExecutionException e) {
            p.future().completeExceptionally(Failures.unavailable("the configuration service is stopping"));
        }
    }

    private void answer(Pending p, LogEntry entry) {
        Outcome recorded = applier.outcome(p.job().requestId());
        if (recorded == null) {
            LOG.warn("Entry {} is applied but the outcome of request {} is not recorded", entry.index(),
                    p.job().requestId());
            recorded = new Outcome(entry.index(), List.of());
        }
        p.future().complete(p.job().answer(planner, recorded));
        done(p);
    }
}
