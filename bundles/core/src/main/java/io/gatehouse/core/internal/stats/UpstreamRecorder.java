package io.gatehouse.core.internal.stats;

import io.gatehouse.api.plugin.Attempt;
import io.gatehouse.api.plugin.UpstreamException;
import io.gatehouse.api.stats.UpstreamCounters;
import io.gatehouse.dataplane.ServerExchange;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * The upstream side of one HTTPServer's requests: upstream calls (shadow copies excluded), their failures by
 * reason, the time spent in them and the gateway's own time, per request. Recording is a few adder increments
 * and two histogram records per request, nothing allocated; reading folds the recorders' intervals (any thread,
 * under this object's lock).
 */
public final class UpstreamRecorder {
    private static final UpstreamException.Reason[] REASONS = UpstreamException.Reason.values();

    private final LongAdder attempts = new LongAdder();
    private final LongAdder[] errors = new LongAdder[REASONS.length];
    private final Recorder upstream = new Recorder(TrafficRecorder.HIGHEST_MICROS, TrafficRecorder.DIGITS);
    private final Recorder gateway = new Recorder(TrafficRecorder.HIGHEST_MICROS, TrafficRecorder.DIGITS);

    // guarded by this
    private final Histogram upstreamTotal = TrafficRecorder.histogram();
    private final Histogram gatewayTotal = TrafficRecorder.histogram();
    /** Each recorder takes back only the histograms it handed out: one spare each. */
    private Histogram upstreamSpare;
    private Histogram gatewaySpare;

    UpstreamRecorder() {
        for (int i = 0; i < errors.length; i++) {
            errors[i] = new LongAdder();
        }
    }

    /** A request that ended after {@code nanos}, with its upstream calls. Event loop of the exchange. */
    public void record(ServerExchange exchange, long nanos) {
        int calls = 0;
        for (int i = 0, n = exchange.attemptCount(); i < n; i++) {
            Attempt a = exchange.attemptAt(i);
            if (!call(a)) {
                continue;
            }
            calls++;
            attempts.increment();
            UpstreamException error = a.state() == Attempt.State.FAILED ? a.error() : null;
            if (error != null && upstreamFault(error.reason())) {
                errors[error.reason().ordinal()].increment();
            }
        }
        long inUpstreams = calls == 0 ? 0 : upstreamNanos(exchange, System.nanoTime());
        if (calls > 0) {
            upstream.recordValue(micros(inUpstreams));
        }
        gateway.recordValue(micros(Math.max(0, nanos - inUpstreams)));
    }

    /** Whether an attempt is one of the request's calls: sent (whatever came of it), and not a shadow copy. */
    static boolean call(Attempt a) {
        return !a.shadow() && a.sentNanos() != 0;
    }

    /** Failures of the upstream's side: a client that went away, or a call the gateway cancelled, are not. */
    private static boolean upstreamFault(UpstreamException.Reason reason) {
        return reason != UpstreamException.Reason.CLIENT_ABORTED && reason != UpstreamException.Reason.CANCELLED;
    }

    /**
     * The time during which at least one of the request's calls was under way: the union of each call's span,
     * from being sent to its response head or failure ({@code now} for a call still pending), so that calls made
     * at once (hedging) are not counted twice. Allocates only for a request with several calls.
     */
    public static long upstreamNanos(ServerExchange exchange, long now) {
        int n = exchange.attemptCount();
        if (n == 1) {
            Attempt a = exchange.attemptAt(0);
            return call(a) ? end(a, now) - a.sentNanos() : 0;
        }
        long[] starts = new long[n];
        long[] ends = new long[n];
        int k = 0;
        for (int i = 0; i < n; i++) {
            Attempt a = exchange.attemptAt(i);
            if (call(a)) {
                starts[k] = a.sentNanos();
                ends[k] = end(a, now);
                k++;
            }
        }
        // a few calls at most: sort the spans by start, then add up their union
        for (int i = 1; i < k; i++) {
            for (int j = i; j > 0 && starts[j] < starts[j - 1]; j--) {
                long s = starts[j];
                starts[j] = starts[j - 1];
                starts[j - 1] = s;
                long e = ends[j];
                ends[j] = ends[j - 1];
                ends[j - 1] = e;
            }
        }
        long total = 0;
        long from = 0;
        long to = 0;
        for (int i = 0; i < k; i++) {
            if (i == 0 || starts[i] > to) {
                total += to - from;
                from = starts[i];
                to = ends[i];
            } else {
                to = Math.max(to, ends[i]);
            }
        }
        return total + (to - from);
    }

    private static long end(Attempt a, long now) {
        long elapsed = a.elapsedNanos();
        return elapsed >= 0 ? a.sentNanos() + elapsed : Math.max(a.sentNanos(), now);
    }

    private static long micros(long nanos) {
        return Math.min(Math.max(1, nanos / 1000), TrafficRecorder.HIGHEST_MICROS);
    }

    /** The counters as of now. */
    synchronized UpstreamCounters counters() {
        upstreamSpare = fold(upstream, upstreamTotal, upstreamSpare);
        gatewaySpare = fold(gateway, gatewayTotal, gatewaySpare);
        Map<String, Long> byReason = new TreeMap<>();
        for (int i = 0; i < errors.length; i++) {
            long n = errors[i].sum();
            if (n > 0) {
                byReason.put(REASONS[i].name(), n);
            }
        }
        return new UpstreamCounters(attempts.sum(), byReason, TrafficRecorder.encode(upstreamTotal),
                TrafficRecorder.encode(gatewayTotal));
    }

    private static Histogram fold(Recorder from, Histogram into, Histogram spare) {
        Histogram interval = from.getIntervalHistogram(spare);
        into.add(interval);
        interval.reset();
        return interval;
    }
}
