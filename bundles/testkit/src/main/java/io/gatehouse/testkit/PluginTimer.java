package io.gatehouse.testkit;

import java.time.Duration;

/**
 * A timer a plugin set through its context ({@code PluginContext.schedule} or {@code scheduleAtFixedRate}) in a
 * {@link PluginHarness}: recorded, never run by itself. The test calls {@link #fire()} when it decides the
 * time has come. Closing the handle (the plugin cancelling) or closing the instance through
 * {@link PluginHarness#close} cancels it, as the gateway does.
 */
public final class PluginTimer implements AutoCloseable {
    private final Runnable task;
    private final Duration delay;
    private final Duration period;
    private volatile boolean cancelled;
    private volatile int runs;

    PluginTimer(Runnable task, Duration delay, Duration period) {
        this.task = task;
        this.delay = delay;
        this.period = period;
    }

    /** The first delay the plugin asked for. */
    public Duration delay() {
        return delay;
    }

    /** The period of a periodic timer, or null for a one-shot timer. */
    public Duration period() {
        return period;
    }

    public boolean cancelled() {
        return cancelled;
    }

    /** How many times the timer ran. */
    public int runs() {
        return runs;
    }

    /** True while it can still run: not cancelled, and periodic or not yet run. */
    public boolean pending() {
        return !cancelled && (period != null || runs == 0);
    }

    /**
     * Runs the task now, on the calling thread (the gateway runs it on its plugin timer thread).
     *
     * @return false when the timer was cancelled
     * @throws IllegalStateException when a one-shot timer already ran
     */
    public boolean fire() {
        if (cancelled) {
            return false;
        }
        if (period == null && runs > 0) {
            throw new IllegalStateException("a one-shot timer runs once");
        }
        runs++;
        task.run();
        return true;
    }

    @Override
    public void close() {
        cancelled = true;
    }

    @Override
    public String toString() {
        return (period == null ? "timer after " + delay : "timer every " + period) + (cancelled ? " (cancelled)" : "");
    }
}
