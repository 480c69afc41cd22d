package io.gatehouse.cluster.internal;

import java.util.concurrent.atomic.AtomicLong;

/** A Lamport clock: {@link #tick()} before a local event or a send, {@link #observe} on every receive. */
public final class LamportClock {
    private final AtomicLong time = new AtomicLong();

    /** Advances the clock for a local event or a send; returns the event's stamp. */
    public long tick() {
        return time.incrementAndGet();
    }

    /** Receives a stamp: the clock becomes {@code max(own, received) + 1}; returns the receive event's stamp. */
    public long observe(long received) {
        return time.updateAndGet(t -> Math.max(t, received) + 1);
    }

    /** The current value (no event). */
    public long now() {
        return time.get();
    }
}
