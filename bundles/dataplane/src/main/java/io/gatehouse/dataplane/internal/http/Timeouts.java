package io.gatehouse.dataplane.internal.http;

import java.time.Duration;

/**
 * Converts the timeouts of a {@link io.gatehouse.api.plugin.Forward} for timers. A plugin may pass any
 * positive {@link Duration}, and {@code Duration.toNanos()} overflows past 292 years: a timeout is capped at
 * ten years here ("never" for a connection), so that no value fails a request.
 */
final class Timeouts {
    static final Duration MAX = Duration.ofDays(3650);

    private Timeouts() {
    }

    static long nanos(Duration d) {
        return d.compareTo(MAX) > 0 ? MAX.toNanos() : d.toNanos();
    }

    static long millis(Duration d) {
        return d.compareTo(MAX) > 0 ? MAX.toMillis() : d.toMillis();
    }
}
