package io.gatehouse.core.internal.config;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

/**
 * When an HTTPServer whose socket could not be bound (its port was taken when the log was replayed) tries
 * again: after {@code initial}, doubling per failure up to {@code max}, each delay spread by a random
 * factor (so that many servers, or many nodes, do not retry in step) and never longer than
 * {@code max}. It keeps trying at {@code max} for as long as the server is configured; a write or delete
 * of the server, or the core stopping, cancels it.
 *
 * @param scheduler runs a retry on the configuration thread
 * @param initial   delay after the first failure
 * @param max       longest delay
 * @param jitter    factor applied to each delay, {@link #JITTER_MIN}..{@link #JITTER_MAX} in production
 */
public record BindRetry(Scheduler scheduler, Duration initial, Duration max, DoubleSupplier jitter) {
    static final double JITTER_MIN = 0.8;
    static final double JITTER_MAX = 1.2;

    /** Runs tasks on the configuration thread after a delay. */
    public interface Scheduler {
        /** Runs {@code task} on the configuration thread after {@code delay}, unless it is cancelled first. */
        Cancellable schedule(Duration delay, Runnable task);
    }

    /** A scheduled task that can be called off. */
    public interface Cancellable {
        void cancel();
    }

    public BindRetry {
        if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("bind retry delays must be 0 < initial <= max: " + initial + ", " + max);
        }
    }

    /** The production spread: uniformly random in [0.8, 1.2). */
    static double randomJitter() {
        return ThreadLocalRandom.current().nextDouble(JITTER_MIN, JITTER_MAX);
    }

    /** The delay before the next attempt, after {@code failures} (1 or more) failed ones. */
    Duration delay(int failures) {
        long base = initial.toMillis();
        long cap = max.toMillis();
        for (int i = 1; i < failures && base < cap; i++) {
            base *= 2;
        }
        long spread = Math.round(Math.min(base, cap) * jitter.getAsDouble());
        return Duration.ofMillis(Math.max(1, Math.min(cap, spread)));
    }
}
