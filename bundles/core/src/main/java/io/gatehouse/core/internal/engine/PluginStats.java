package io.gatehouse.core.internal.engine;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one plugin of one generation did: calls, failures (it threw or called {@code fail}), and calls whose
 * {@code handle} held the event loop longer than {@link #BLOCKED_NANOS} (a plugin that blocks: every exchange of
 * that event loop waited meanwhile). A blocking call is logged, at most once per {@link #LOG_EVERY_NANOS}.
 */
public final class PluginStats {
    private static final Logger LOG = LoggerFactory.getLogger(PluginStats.class);
    /** A {@code handle} call longer than this blocked its event loop. */
    static final long BLOCKED_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    static final long LOG_EVERY_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final LongAdder calls = new LongAdder();
    private final LongAdder failures = new LongAdder();
    private final LongAdder blocked = new LongAdder();
    private final AtomicLong lastLog = new AtomicLong(System.nanoTime() - LOG_EVERY_NANOS);

    void call() {
        calls.increment();
    }

    void failure() {
        failures.increment();
    }

    /** A handle call took {@code nanos} on the event loop. */
    void handled(long nanos, String plugin, String pipeline) {
        if (nanos < BLOCKED_NANOS) {
            return;
        }
        blocked.increment();
        long now = System.nanoTime();
        long last = lastLog.get();
        if (now - last >= LOG_EVERY_NANOS && lastLog.compareAndSet(last, now)) {
            LOG.warn("Plugin '{}' of pipeline '{}' blocked its event loop for {} ms in handle() ({} such calls so "
                    + "far): every exchange on that event loop waited; blocking work belongs in Exchange.offload",
                    plugin, pipeline, TimeUnit.NANOSECONDS.toMillis(nanos), blocked.sum());
        }
    }

    public long calls() {
        return calls.sum();
    }

    public long failures() {
        return failures.sum();
    }

    public long blocked() {
        return blocked.sum();
    }
}
