package io.gatehouse.plugin.proxy.internal.lb;

import io.gatehouse.api.plugin.Forward;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One upstream server of a pool as the balancers see it: its weight, the {@link Forward} built once for
 * it, and its count of exchanges in flight. The counter is shared by every pool (and every config
 * generation) that names the same url, because it measures the server, not the pool.
 */
public final class Upstream {
    private final String url;
    private final int weight;
    private final Forward forward;
    private final AtomicInteger active;

    public Upstream(String url, int weight, Forward forward, AtomicInteger active) {
        this.url = Objects.requireNonNull(url, "url");
        if (weight < 1) {
            throw new IllegalArgumentException("weight must be positive: " + weight);
        }
        this.weight = weight;
        this.forward = Objects.requireNonNull(forward, "forward");
        this.active = Objects.requireNonNull(active, "active");
    }

    /** The normalized url, {@code http://host:port}. */
    public String url() {
        return url;
    }

    public int weight() {
        return weight;
    }

    public Forward forward() {
        return forward;
    }

    /** Exchanges currently sent to this server (picked and not yet complete). */
    public int active() {
        return active.get();
    }

    /** Counts one more exchange in flight. */
    public void acquire() {
        active.incrementAndGet();
    }

    /** Counts one exchange less in flight. */
    public void release() {
        active.decrementAndGet();
    }

    /**
     * True when this server is less loaded than {@code other} relative to weight
     * ({@code active/weight} compared without division).
     */
    boolean lessLoadedThan(int myActive, Upstream other, int otherActive) {
        return (long) myActive * other.weight < (long) otherActive * weight;
    }

    @Override
    public String toString() {
        return url + " (weight " + weight + ")";
    }
}
