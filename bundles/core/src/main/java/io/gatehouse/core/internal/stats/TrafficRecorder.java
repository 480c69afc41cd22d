package io.gatehouse.core.internal.stats;

import io.gatehouse.api.stats.TrafficCounters;
import io.gatehouse.api.stats.TrafficStats;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * The counters of one HTTPServer or Pipeline on this node. {@link #record} is called on event loops, by many
 * at once, and costs a few uncontended atomic increments (LongAdder cells, HdrHistogram's {@link Recorder});
 * readers ({@link #fold}, {@link #counters}) take turns on this object's lock, off the hot path.
 *
 * <p>Latencies are kept in microseconds, 1 µs to {@link #HIGHEST_MICROS} (larger values count as that),
 * with 2 significant digits (1 % resolution). The recent window is a ring of {@link #SLOTS} slots of
 * {@link #SLOT_SECONDS} s each; an interval recorded since the last fold goes to the slot of the time it is
 * folded, so folding every slot (the registry does it) keeps the window right to a slot.
 */
public final class TrafficRecorder {
    /** The largest latency kept apart: one hour. */
    static final long HIGHEST_MICROS = 3_600_000_000L;
    static final int DIGITS = 2;
    static final int SLOT_SECONDS = 10;
    static final int SLOTS = TrafficStats.RECENT_SECONDS / SLOT_SECONDS;

    private final LongAdder requests = new LongAdder();
    private final LongAdder[] classes = {new LongAdder(), new LongAdder(), new LongAdder(), new LongAdder(),
        new LongAdder()};
    private final Recorder recorder = new Recorder(HIGHEST_MICROS, DIGITS);

    // guarded by this
    private final Histogram total = histogram();
    private final Histogram[] slots = new Histogram[SLOTS];
    private final long[] slotNumbers = new long[SLOTS];
    private Histogram spare;

    TrafficRecorder() {
        for (int i = 0; i < SLOTS; i++) {
            slots[i] = histogram();
            slotNumbers[i] = -1;
        }
    }

    static Histogram histogram() {
        return new Histogram(HIGHEST_MICROS, DIGITS);
    }

    /** One request that ended with {@code status} after {@code nanos}. Any thread. */
    void record(int status, long nanos) {
        requests.increment();
        int c = status / 100 - 1;
        classes[c < 0 || c > 4 ? 4 : c].increment();
        long micros = Math.max(1, nanos / 1000);
        recorder.recordValue(Math.min(micros, HIGHEST_MICROS));
    }

    /** Moves what was recorded since the last fold into the totals and the slot of {@code nowSeconds}. */
    synchronized void fold(long nowSeconds) {
        Histogram interval = recorder.getIntervalHistogram(spare);
        long slot = nowSeconds / SLOT_SECONDS;
        int i = (int) (slot % SLOTS);
        if (slotNumbers[i] != slot) {
            slots[i].reset();
            slotNumbers[i] = slot;
        }
        if (interval.getTotalCount() > 0) {
            total.add(interval);
            slots[i].add(interval);
        }
        interval.reset();
        spare = interval;
    }

    /** The counters as of now (folds first). */
    synchronized TrafficCounters counters(long nowSeconds) {
        fold(nowSeconds);
        Histogram recent = histogram();
        long oldest = nowSeconds / SLOT_SECONDS - SLOTS + 1;
        for (int i = 0; i < SLOTS; i++) {
            if (slotNumbers[i] >= oldest) {
                recent.add(slots[i]);
            }
        }
        // a request counted by the adders may not be in the histograms yet (recorded between the two): the
        // histograms are what the percentiles use, the adders what the counts say
        return new TrafficCounters(requests.sum(), classes[0].sum(), classes[1].sum(), classes[2].sum(),
                classes[3].sum(), classes[4].sum(), encode(total), encode(recent));
    }

    static byte[] encode(Histogram h) {
        ByteBuffer b = ByteBuffer.allocate(h.getNeededByteBufferCapacity());
        int n = h.encodeIntoCompressedByteBuffer(b);
        byte[] out = new byte[n];
        b.flip();
        b.get(out);
        return out;
    }

    static Histogram decode(byte[] bytes) {
        try {
            return Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(bytes), HIGHEST_MICROS);
        } catch (java.util.zip.DataFormatException | RuntimeException e) {
            throw new IllegalArgumentException("not an encoded latency histogram: " + e.getMessage(), e);
        }
    }
}
