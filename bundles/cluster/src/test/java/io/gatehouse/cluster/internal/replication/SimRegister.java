package io.gatehouse.cluster.internal.replication;

import java.time.Duration;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;

/**
 * A linearizable register on a {@link SimClock} (the CP subsystem): each operation takes effect at one
 * instant after a delay. With {@code failRate}, an answer is lost (the operation may have happened) and the
 * caller sees a timeout; {@link #wipe()} models every CP member restarting.
 */
final class SimRegister implements CommitRegister {
    private final SimClock clock;
    private final Random random;
    private Optional<CommitPoint> value = Optional.empty();
    double failRate;
    boolean unavailable;
    /** Operations take effect but every answer is lost (the caller sees a timeout), while set. */
    boolean answersLost;
    long casOk;
    long casFailed;

    SimRegister(SimClock clock, Random random) {
        this.clock = clock;
        this.random = random;
    }

    Optional<CommitPoint> value() {
        return value;
    }

    void set(Optional<CommitPoint> v) {
        value = v;
    }

    void wipe() {
        value = Optional.empty();
    }

    @Override
    public CompletableFuture<Optional<CommitPoint>> get(Duration timeout) {
        CompletableFuture<Optional<CommitPoint>> f = new CompletableFuture<>();
        clock.schedule(timeout, () -> f.completeExceptionally(new TimeoutException("register get")));
        if (unavailable) {
            return f;
        }
        boolean lost = answersLost || lose();
        clock.schedule(delay(), () -> {
            Optional<CommitPoint> v = value;
            if (!lost) {
                clock.schedule(delay(), () -> f.complete(v));
            }
        });
        return f;
    }

    @Override
    public CompletableFuture<Boolean> compareAndSet(Optional<CommitPoint> expected, CommitPoint update,
                                                    Duration timeout) {
        CompletableFuture<Boolean> f = new CompletableFuture<>();
        clock.schedule(timeout, () -> f.completeExceptionally(new TimeoutException("register cas")));
        if (unavailable) {
            return f;
        }
        boolean lost = answersLost || lose();
        clock.schedule(delay(), () -> {
            boolean ok = value.equals(expected);
            if (ok) {
                value = Optional.of(update);
                casOk++;
            } else {
                casFailed++;
            }
            if (!lost) {
                clock.schedule(delay(), () -> f.complete(ok));
            }
        });
        return f;
    }

    private boolean lose() {
        return failRate > 0 && random.nextDouble() < failRate;
    }

    private long delay() {
        return Duration.ofMillis(1).toNanos() + random.nextInt(3_000_000);
    }
}
