package io.gatehouse.plugin.proxy.internal;

import io.gatehouse.api.config.Units;

/** The proxy's {@code retry} spec, parsed once per instance. */
record RetryPolicy(RetryConditions conditions, int tries, long timeoutNanos, boolean nonIdempotent,
                   long bodyBuffer) {

    static RetryPolicy of(ProxySpec.Retry spec) {
        return new RetryPolicy(RetryConditions.of(spec.on()), spec.tries(), Units.duration(spec.timeout()).toNanos(),
                spec.nonIdempotent(), Units.bytes(spec.bodyBuffer()));
    }

    /** False when no condition is listed or a single try is allowed. */
    boolean enabled() {
        return !conditions.none() && tries != 1;
    }
}
