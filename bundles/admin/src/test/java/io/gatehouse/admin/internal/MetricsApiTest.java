package io.gatehouse.admin.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.gatehouse.api.stats.TrafficCounters;
import io.gatehouse.api.stats.TrafficSnapshot;
import io.gatehouse.api.stats.TrafficStats;
import io.gatehouse.api.stats.TrafficSummary;
import io.gatehouse.api.stats.UpstreamCounters;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collection;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.junit.Test;

/** {@code GET /metrics}: the Prometheus text of the counters, the latency buckets, and who may read it. */
public class MetricsApiTest extends AdminApiTestSupport {

    /** Latencies in microseconds, encoded as the statistics keep them. */
    private static byte[] encoded(long... micros) {
        Histogram h = new Histogram(3_600_000_000L, 2);
        for (long m : micros) {
            h.recordValue(m);
        }
        ByteBuffer b = ByteBuffer.allocate(h.getNeededByteBufferCapacity());
        h.encodeIntoCompressedByteBuffer(b);
        return Arrays.copyOf(b.array(), b.position());
    }

    private static final class Stats implements TrafficStats {
        @Override
        public TrafficSnapshot snapshot() {
            Instant now = Instant.parse("2026-12-04T10:00:00Z");
            // web: 3 requests, 2 of 2xx, 1 of 5xx, taking 0.5 ms, 3 ms and 2 s
            byte[] web = encoded(500, 3_000, 2_000_000);
            return new TrafficSnapshot(now, now, Map.of("web", new TrafficCounters(3, 0, 2, 0, 0, 1, web, web)),
                    Map.of("shop", new TrafficCounters(2, 0, 2, 0, 0, 0, encoded(500, 3_000), encoded())));
        }

        @Override
        public Map<String, UpstreamCounters> upstreams() {
            // web: 4 calls, one refused; upstream time 2 ms and 40 ms, gateway time 0.2 ms, 0.3 ms and 0.4 ms
            return Map.of("web", new UpstreamCounters(4, Map.of("CONNECT_FAILED", 1L), encoded(2_000, 40_000),
                    encoded(200, 300, 400)));
        }

        @Override
        public java.util.List<io.gatehouse.api.stats.RouteCounters> routes() {
            return java.util.List.of(new io.gatehouse.api.stats.RouteCounters("web", 0, "host=shop.example", "shop", 0,
                    7, 0, 1, 2), new io.gatehouse.api.stats.RouteCounters("web", 1, "every request", "welcome", 2));
        }

        @Override
        public TrafficSummary sum(Collection<TrafficCounters> counters) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Map<String, TrafficSummary> sumByName(Collection<Map<String, TrafficCounters>> byNode) {
            throw new UnsupportedOperationException();
        }
    }

    @Test
    public void countersAndLatencyBucketsInThePrometheusTextFormat() throws Exception {
        server.traffic(new Stats(), null);
        HttpResponse<String> r = get("/metrics");
        assertEquals(r.body(), 200, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElse(""), r.headers().firstValue("Content-Type")
                .orElse("").startsWith("text/plain; version=0.0.4"));
        String text = r.body();
        assertTrue(text, text.contains("# TYPE gatehouse_requests_total counter"));
        assertTrue(text, text.contains("gatehouse_requests_total{code=\"2xx\",server=\"web\"} 2.0"));
        assertTrue(text, text.contains("gatehouse_requests_total{code=\"5xx\",server=\"web\"} 1.0"));
        assertTrue(text, text.contains("gatehouse_pipeline_requests_total{code=\"2xx\",pipeline=\"shop\"} 2.0"));
        assertTrue(text, text.contains("# TYPE gatehouse_request_duration_seconds histogram"));
        // cumulative: 0.5 ms is within 1 ms, 3 ms within 5 ms, 2 s within 2.5 s
        assertTrue(text, text.contains("gatehouse_request_duration_seconds_bucket{server=\"web\",le=\"0.001\"} 1"));
        assertTrue(text, text.contains("gatehouse_request_duration_seconds_bucket{server=\"web\",le=\"0.0025\"} 1"));
        assertTrue(text, text.contains("gatehouse_request_duration_seconds_bucket{server=\"web\",le=\"0.005\"} 2"));
        assertTrue(text, text.contains("gatehouse_request_duration_seconds_bucket{server=\"web\",le=\"1.0\"} 2"));
        assertTrue(text, text.contains("gatehouse_request_duration_seconds_bucket{server=\"web\",le=\"2.5\"} 3"));
        assertTrue(text, text.contains("gatehouse_request_duration_seconds_bucket{server=\"web\",le=\"+Inf\"} 3"));
        assertTrue(text, text.contains("gatehouse_request_duration_seconds_count{server=\"web\"} 3"));
        assertTrue(text, text.contains("gatehouse_upstream_attempts_total{server=\"web\"} 4.0"));
        assertTrue(text, text.contains("gatehouse_upstream_errors_total{reason=\"connect_failed\",server=\"web\"} 1.0"));
        assertTrue(text, text.contains("gatehouse_upstream_duration_seconds_bucket{server=\"web\",le=\"0.0025\"} 1"));
        assertTrue(text, text.contains("gatehouse_upstream_duration_seconds_bucket{server=\"web\",le=\"0.05\"} 2"));
        assertTrue(text, text.contains("gatehouse_gateway_duration_seconds_bucket{server=\"web\",le=\"0.001\"} 3"));
        assertTrue(text, text.contains("gatehouse_route_requests_total{code=\"2xx\",matches=\"host=shop.example\","
                + "pipeline=\"shop\",rule=\"0\",server=\"web\"} 7.0"));
        assertTrue(text, text.contains("gatehouse_route_requests_total{code=\"4xx\",matches=\"host=shop.example\","
                + "pipeline=\"shop\",rule=\"0\",server=\"web\"} 1.0"));
        assertTrue(text, text.contains("gatehouse_route_requests_total{code=\"5xx\",matches=\"host=shop.example\","
                + "pipeline=\"shop\",rule=\"0\",server=\"web\"} 2.0"));
        assertTrue(text, text.contains("gatehouse_route_requests_total{code=\"2xx\",matches=\"every request\","
                + "pipeline=\"welcome\",rule=\"1\",server=\"web\"} 2.0"));
        assertTrue(text, text.contains("gatehouse_config_applied_index 0.0"));
        assertTrue(text, text.contains("gatehouse_jvm_memory_used_bytes{area=\"heap\"}"));
        assertTrue(text, text.contains("gatehouse_netty_pooled_memory_used_bytes{kind=\"direct\"}"));
    }

    @Test
    public void aReadTokenScrapesWithoutATokenNobodyDoes() throws Exception {
        assertEquals(401, send(anonymous("/metrics").GET()).statusCode());
        String token = json(write("POST", "/api/v1/tokens", "application/json",
                "{\"name\":\"prometheus\",\"role\":\"read\"}")).get("token").asText();
        HttpResponse<String> r = send(anonymous("/metrics").header("Authorization", "Bearer " + token).GET());
        assertEquals(r.body(), 200, r.statusCode());
        assertTrue(r.body(), r.body().contains("gatehouse_config_applied_index 1.0"));
    }
}
