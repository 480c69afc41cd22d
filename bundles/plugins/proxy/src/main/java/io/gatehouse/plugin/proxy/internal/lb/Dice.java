package io.gatehouse.plugin.proxy.internal.lb;

import java.util.concurrent.ThreadLocalRandom;

/** Source of randomness for the random policies; tests pass a seeded one. */
@FunctionalInterface
public interface Dice {

    /** A uniformly distributed int in {@code [0, bound)}; {@code bound > 0}. */
    int roll(int bound);

    /** The production dice: {@link ThreadLocalRandom}, contention-free across event loops. */
    static Dice threadLocal() {
        return bound -> ThreadLocalRandom.current().nextInt(bound);
    }
}
