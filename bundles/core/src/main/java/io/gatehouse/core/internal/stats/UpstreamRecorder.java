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
        long inUpstreams = 0;
        boolean called = false;
        for (int i = 0, n = exchange.attemptCount(); i < n; i++) {
            Attempt a = exchange.attemptAt(i);
            if (!call(a)) {
                continue;
            }
            called = true;
            attempts.increment();
            if (a.state() == Attempt.State.FAILED && a.error() != null) {
                errors[a.error().reason().ordinal()].increment();
            }
            inUpstreams += Math.max(0, a.elapsedNanos());
        }
        if (called) {
            upstream.recordValue(micros(inUpstreams));
        }
        gateway.recordValue(micros(Math.max(0, nanos - inUpstreams)));
    }

    /** Whether an attempt counts as one of the request's calls: sent, and not a shadow copy. */
    static boolean call(Attempt a) {
        return !a.shadow() && a.state() != Attempt.State.NEW;
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
