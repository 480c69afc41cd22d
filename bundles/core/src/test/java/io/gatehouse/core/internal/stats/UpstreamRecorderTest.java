package io.gatehouse.core.internal.stats;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.gatehouse.api.plugin.Forward;
import io.gatehouse.api.plugin.UpstreamException;
import io.gatehouse.api.stats.UpstreamCounters;
import io.gatehouse.core.internal.testkit.FakeExchange;
import io.gatehouse.testkit.FakeAttempt;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.junit.Test;

/** The upstream side of a server's requests: calls, failures by reason, upstream and gateway time. */
public class UpstreamRecorderTest {

    @Test
    public void callsFailuresAndTheSplitOfEachRequestsTime() {
        UpstreamRecorder r = new UpstreamRecorder();
        // a request with a refused call, then one answered
        FakeExchange retried = FakeExchange.get("/a");
        FakeAttempt refused = retried.attempt(Forward.to("127.0.0.1", 1));
        refused.send();
        refused.fails(UpstreamException.Reason.CONNECT_FAILED, "refused");
        FakeAttempt answered = retried.attempt(Forward.to("127.0.0.1", 2));
        answered.send();
        answered.answers(200);
        long upstream = Math.max(0, refused.elapsedNanos()) + Math.max(0, answered.elapsedNanos());
        r.record(retried, upstream + TimeUnit.MILLISECONDS.toNanos(3));
        // a request the gateway answered itself: all gateway time
        r.record(FakeExchange.get("/b"), TimeUnit.MILLISECONDS.toNanos(1));
        // a shadow copy is not a call of the request, even sent; nor is a call cancelled before it was sent
        FakeExchange mirrored = FakeExchange.get("/c");
        FakeAttempt shadow = mirrored.mirror(Forward.to("127.0.0.1", 3));
        shadow.send();
        shadow.answers(200);
        mirrored.attempt(Forward.to("127.0.0.1", 4)).cancel();
        r.record(mirrored, TimeUnit.MILLISECONDS.toNanos(2));

        // read twice with requests in between: each recorder takes back only its own histograms
        assertEquals(2, r.counters().attempts());
        FakeExchange aborted = FakeExchange.get("/d");
        FakeAttempt gone = aborted.attempt(Forward.to("127.0.0.1", 5));
        gone.send();
        gone.fails(UpstreamException.Reason.CLIENT_ABORTED, "the client went away");
        r.record(aborted, TimeUnit.MILLISECONDS.toNanos(1));

        UpstreamCounters c = r.counters();
        assertEquals(3, c.attempts());
        assertEquals("a client that went away is not the upstream's failure", Map.of("CONNECT_FAILED", 1L), c.errors());
        assertEquals("two requests called upstreams", 2, TrafficRecorder.decode(c.upstreamLatency()).getTotalCount());
        Histogram gateway = TrafficRecorder.decode(c.gatewayLatency());
        assertEquals(4, gateway.getTotalCount());
        // 3 ms, 1 ms, 2 ms and under 1 ms of gateway time (1 % resolution)
        assertEquals(3_000, gateway.getMaxValue(), 40);
    }

    /** Calls made at once (hedging) are counted once: the union of their spans, not the sum. */
    @Test
    public void overlappingCallsAreCountedOnce() {
        FakeExchange hedged = FakeExchange.get("/h");
        FakeAttempt first = hedged.attempt(Forward.to("127.0.0.1", 1));
        FakeAttempt second = hedged.attempt(Forward.to("127.0.0.1", 2));
        first.send();
        second.send();
        first.answers(200);
        second.answers(200);
        long union = UpstreamRecorder.upstreamNanos(hedged, System.nanoTime());
        long sum = first.elapsedNanos() + second.elapsedNanos();
        assertTrue(union + " < " + sum, union < sum);
        assertEquals(second.sentNanos() + second.elapsedNanos() - first.sentNanos(), union);
        // a call still pending counts until now
        FakeExchange pending = FakeExchange.get("/p");
        FakeAttempt waiting = pending.attempt(Forward.to("127.0.0.1", 3));
        waiting.send();
        assertEquals(1_000, UpstreamRecorder.upstreamNanos(pending, waiting.sentNanos() + 1_000));
    }
}
