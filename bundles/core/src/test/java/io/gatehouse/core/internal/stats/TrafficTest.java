package io.gatehouse.core.internal.stats;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.gatehouse.api.stats.TrafficCounters;
import io.gatehouse.api.stats.TrafficSnapshot;
import io.gatehouse.api.stats.TrafficSummary;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.Test;

public class TrafficTest {
    private final AtomicLong nanos = new AtomicLong(TimeUnit.SECONDS.toNanos(1000));
    private final Clock clock = Clock.fixed(Instant.parse("2026-12-03T10:00:00Z"), ZoneOffset.UTC);

    private Traffic traffic() {
        return new Traffic(nanos::get, clock);
    }

    private static long ms(long millis) {
        return TimeUnit.MILLISECONDS.toNanos(millis);
    }

    @Test
    public void countsByServerPipelineAndStatusClassWithPercentiles() {
        Traffic t = traffic();
        TrafficRecorder web = t.server("web");
        for (int i = 1; i <= 100; i++) {
            t.ended(web, "api", i <= 90 ? 200 : 503, ms(i));
        }
        t.ended(web, null, 404, ms(1));
        TrafficSnapshot s = t.snapshot();
        TrafficCounters server = s.servers().get("web");
        assertEquals(101, server.requests());
        assertEquals(90, server.status2xx());
        assertEquals(1, server.status4xx());
        assertEquals(10, server.status5xx());
        assertEquals(100, s.pipelines().get("api").requests());
        assertEquals("a request without a pipeline counts for the server only", Map.of("api", 100L),
                Map.of("api", s.pipelines().get("api").requests()));

        TrafficSummary sum = t.sum(List.of(s.pipelines().get("api")));
        assertEquals(100, sum.latency().count());
        assertEquals(50.0, sum.latency().p50(), 0.6);
        assertEquals(90.0, sum.latency().p90(), 1.0);
        assertEquals(99.0, sum.latency().p99(), 1.0);
        assertEquals(100.0, sum.latency().max(), 1.0);
        assertEquals(50.5, sum.latency().mean(), 0.6);
        assertEquals(sum.latency(), sum.recent());
    }

    @Test
    public void nodesAddUpWithoutLosingTheirPercentiles() {
        Traffic fast = traffic();
        Traffic slow = traffic();
        for (int i = 0; i < 900; i++) {
            fast.ended(fast.server("web"), "api", 200, ms(1));
        }
        for (int i = 0; i < 100; i++) {
            slow.ended(slow.server("web"), "api", 200, ms(100));
        }
        Map<String, TrafficSummary> byName = fast.sumByName(List.of(fast.snapshot().pipelines(),
                slow.snapshot().pipelines()));
        TrafficSummary api = byName.get("api");
        assertEquals(1000, api.requests());
        assertEquals(1.0, api.latency().p50(), 0.02);
        assertEquals("the slow node's tenth shows in the p99 of the sum", 100.0, api.latency().p99(), 1.0);
    }

    @Test
    public void theRecentWindowForgetsWhatIsOlderThanAMinute() {
        Traffic t = traffic();
        TrafficRecorder web = t.server("web");
        t.ended(web, "api", 200, ms(500));
        t.fold();
        nanos.addAndGet(TimeUnit.SECONDS.toNanos(30));
        t.ended(web, "api", 200, ms(5));
        t.fold();
        TrafficSummary both = t.sum(List.of(t.snapshot().servers().get("web")));
        assertEquals(2, both.recent().count());
        nanos.addAndGet(TimeUnit.SECONDS.toNanos(45));
        TrafficSummary later = t.sum(List.of(t.snapshot().servers().get("web")));
        assertEquals("the first request is 75 s old", 1, later.recent().count());
        assertEquals(5.0, later.recent().max(), 0.1);
        assertEquals(2, later.latency().count());
        nanos.addAndGet(TimeUnit.SECONDS.toNanos(61));
        assertEquals(0, t.sum(List.of(t.snapshot().servers().get("web"))).recent().count());
    }

    @Test
    public void namesBeyondTheBoundAreCountedTogether() {
        Traffic t = traffic();
        TrafficRecorder web = t.server("web");
        for (int i = 0; i < Traffic.MAX_NAMES + 5; i++) {
            t.ended(web, "p" + i, 200, ms(1));
        }
        Map<String, TrafficCounters> pipelines = t.snapshot().pipelines();
        assertEquals(Traffic.MAX_NAMES + 1, pipelines.size());
        assertTrue(pipelines.get(Traffic.OTHER).requests() >= 5);
    }

    @Test
    public void aDamagedHistogramIsRefusedClearly() {
        Traffic t = traffic();
        TrafficCounters bad = new TrafficCounters(1, 0, 1, 0, 0, 0, new byte[] {1, 2, 3}, new byte[] {1, 2, 3});
        try {
            t.sum(List.of(bad));
            fail("summed");
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage(), e.getMessage().startsWith("not an encoded latency histogram"));
        }
    }
}
