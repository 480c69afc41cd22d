package io.gatehouse.core.internal.engine;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one plugin of one generation did: calls, their results (success, each result its kind declares, or
 * {@value #UNDECLARED} for one it does not), failures (it threw or called {@code fail}), and calls whose
 * {@code handle} held the event loop longer than {@link #BLOCKED_NANOS} (a plugin that blocks: every exchange of
 * that event loop waited meanwhile). A blocking call is logged, at most once per {@link #LOG_EVERY_NANOS}.
 */
public final class PluginStats {
    private static final Logger LOG = LoggerFactory.getLogger(PluginStats.class);
    /** A {@code handle} call longer than this blocked its event loop. */
    static final long BLOCKED_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    static final long LOG_EVERY_NANOS = TimeUnit.SECONDS.toNanos(10);

    /** A result the kind did not declare (counted together: the names stay bounded). */
    static final String UNDECLARED = "undeclared";

    private final LongAdder calls = new LongAdder();
    /** The kind's declared results; {@code counts[0]} is success, {@code counts[i + 1]} is {@code declared[i]}. */
    private final String[] declared;
    private final LongAdder[] counts;
    private final LongAdder undeclared = new LongAdder();
    private final LongAdder failures = new LongAdder();
    private final LongAdder blocked = new LongAdder();
    private final AtomicLong lastLog = new AtomicLong(System.nanoTime() - LOG_EVERY_NANOS);

    PluginStats() {
        this(List.of());
    }

    /** @param declared the results the plugin's kind declares (null: none) */
    PluginStats(List<String> declared) {
        this.declared = declared == null ? new String[0] : declared.toArray(String[]::new);
        this.counts = new LongAdder[this.declared.length + 1];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = new LongAdder();
        }
    }

    /** A call completed with {@code result} (null or empty: success); a few comparisons, no allocation. */
    void result(String result) {
        if (result == null || result.isEmpty()) {
            counts[0].increment();
            return;
        }
        for (int i = 0; i < declared.length; i++) {
            if (declared[i].equals(result)) {
                counts[i + 1].increment();
                return;
            }
        }
        undeclared.increment();
    }

    /**
     * Completed calls by result: {@code ""} success, each declared result, {@value #UNDECLARED}, and
     * {@code failed} for failures; only those that occurred.
     */
    public Map<String, Long> results() {
        Map<String, Long> out = new TreeMap<>();
        put(out, "", counts[0].sum());
        for (int i = 0; i < declared.length; i++) {
            put(out, declared[i], counts[i + 1].sum());
        }
        put(out, UNDECLARED, undeclared.sum());
        put(out, "failed", failures.sum());
        return out;
    }

    private static void put(Map<String, Long> out, String name, long n) {
        if (n > 0) {
            out.merge(name, n, Long::sum);
        }
    }

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
