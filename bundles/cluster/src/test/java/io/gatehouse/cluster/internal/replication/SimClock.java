package io.gatehouse.cluster.internal.replication;

import java.time.Duration;
import java.time.Instant;
import java.util.PriorityQueue;
import java.util.function.BooleanSupplier;

/**
 * Virtual time for deterministic tests: tasks run one at a time in (time, submission) order on the caller's
 * thread; time jumps to the next task. Nothing sleeps.
 */
final class SimClock {
    private static final Instant EPOCH = Instant.parse("2025-01-01T00:00:00Z");

    private final PriorityQueue<Task> queue = new PriorityQueue<>();
    private long now;
    private long seq;

    static final class Task implements Comparable<Task> {
        final long time;
        final long order;
        final Runnable body;
        boolean cancelled;

        Task(long time, long order, Runnable body) {
            this.time = time;
            this.order = order;
            this.body = body;
        }

        @Override
        public int compareTo(Task o) {
            return time != o.time ? Long.compare(time, o.time) : Long.compare(order, o.order);
        }
    }

    long now() {
        return now;
    }

    Instant instant() {
        return EPOCH.plusNanos(now);
    }

    Task schedule(long delayNanos, Runnable body) {
        Task t = new Task(now + Math.max(0, delayNanos), seq++, body);
        queue.add(t);
        return t;
    }

    Task schedule(Duration delay, Runnable body) {
        return schedule(delay.toNanos(), body);
    }

    /** Runs the next task; false when none is left. */
    boolean step() {
        Task t = queue.poll();
        if (t == null) {
            return false;
        }
        now = t.time;
        if (!t.cancelled) {
            t.body.run();
        }
        return true;
    }

    /** Runs tasks until {@code done} holds or {@code max} virtual time passed; returns whether it holds. */
    boolean runUntil(BooleanSupplier done, Duration max) {
        long deadline = now + max.toNanos();
        while (!done.getAsBoolean()) {
            Task next = queue.peek();
            if (next == null || next.time > deadline) {
                return done.getAsBoolean();
            }
            step();
        }
        return true;
    }

    void runFor(Duration d) {
        long deadline = now + d.toNanos();
        while (queue.peek() != null && queue.peek().time <= deadline) {
            step();
        }
        now = Math.max(now, deadline);
    }
}
