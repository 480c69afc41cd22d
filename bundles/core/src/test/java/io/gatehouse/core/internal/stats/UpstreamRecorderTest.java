package io.gatehouse.core.internal.stats;

import static org.junit.Assert.assertEquals;

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
        // a shadow copy is not a call of the request
        FakeExchange mirrored = FakeExchange.get("/c");
        mirrored.mirror(Forward.to("127.0.0.1", 3));
        r.record(mirrored, TimeUnit.MILLISECONDS.toNanos(2));

        UpstreamCounters c = r.counters();
        assertEquals(2, c.attempts());
        assertEquals(Map.of("CONNECT_FAILED", 1L), c.errors());
        assertEquals("one request called upstreams", 1, TrafficRecorder.decode(c.upstreamLatency()).getTotalCount());
        Histogram gateway = TrafficRecorder.decode(c.gatewayLatency());
        assertEquals(3, gateway.getTotalCount());
        // 3 ms, 1 ms and 2 ms of gateway time (1 % resolution)
        assertEquals(3_000, gateway.getMaxValue(), 40);
        assertEquals(1_000, gateway.getMinValue(), 20);
    }
}
