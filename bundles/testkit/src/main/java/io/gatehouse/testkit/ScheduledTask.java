package io.gatehouse.testkit;

import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * A timer a plugin set with {@link FakeExchange#schedule}: recorded, never run by itself. The test decides
 * when time has passed and calls {@link #fire()} (or {@link FakeExchange#fireTimers()}); closing the handle
 * (what the plugin does to cancel) makes {@link #fire()} a no-op, as cancelling a real timer does.
 *
 * <p>Time is virtual: a timer is due at the exchange's clock when it was set plus its delay, and firing it
 * moves the clock to that instant, so a timer set by a fired task is due after it.
 */
public final class ScheduledTask implements AutoCloseable {
    private final Runnable task;
    private final Duration delay;
    private final Executor executor;
    private final FakeExchange owner;
    private final long dueNanos;
    private volatile boolean cancelled;
    private volatile boolean fired;

    ScheduledTask(Runnable task, long delay, TimeUnit unit, FakeExchange owner, long nowNanos) {
        this.task = task;
        this.delay = Duration.ofNanos(unit.toNanos(delay));
        this.owner = owner;
        this.executor = owner.executor();
        this.dueNanos = nowNanos + unit.toNanos(delay);
    }

    /** The virtual instant the timer is due, in nanoseconds since the exchange started. */
    long dueNanos() {
        return dueNanos;
    }

    /** The delay the plugin asked for. */
    public Duration delay() {
        return delay;
    }

    /** True once the plugin closed the handle. */
    public boolean cancelled() {
        return cancelled;
    }

    /** True once the timer fired. */
    public boolean fired() {
        return fired;
    }

    /** True while the timer neither fired nor was cancelled. */
    public boolean pending() {
        return !fired && !cancelled;
    }

    /**
     * The delay has passed: runs the task on the exchange's executor, unless it was cancelled.
     *
     * @return true when the task ran, false when it was cancelled
     * @throws IllegalStateException when the timer already fired (a timer fires once)
     */
    public boolean fire() {
        if (fired) {
            throw new IllegalStateException("the timer already fired");
        }
        if (cancelled) {
            return false;
        }
        fired = true;
        owner.advanceClock(dueNanos);
        executor.execute(task);
        return true;
    }

    /** Cancels the timer (what the plugin calls). */
    @Override
    public void close() {
        cancelled = true;
    }

    @Override
    public String toString() {
        return "timer after " + delay + (cancelled ? " (cancelled)" : fired ? " (fired)" : "");
    }
}
