package io.gatehouse.cluster.internal.replication;

import java.time.Duration;

/**
 * The replication core's one thread and its clock. Every task of one core runs on it, one at a time, in
 * submission order for {@link #execute}; the core's state is confined to it. {@link ExecutorScheduler} is
 * the production implementation; tests use a virtual clock.
 */
public interface Scheduler {

    /** Monotonic time in nanoseconds (only differences matter). */
    long nanoTime();

    /** Runs {@code task} soon on the scheduler's thread. */
    void execute(Runnable task);

    /** Runs {@code task} on the scheduler's thread after {@code delay}, unless cancelled first. */
    Cancellable schedule(Duration delay, Runnable task);

    /** A scheduled task. */
    @FunctionalInterface
    interface Cancellable {
        /** Prevents the task from running if it has not started; no effect otherwise. */
        void cancel();
    }
}
