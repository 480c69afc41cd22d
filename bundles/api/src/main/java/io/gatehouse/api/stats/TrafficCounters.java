package io.gatehouse.api.stats;

import java.util.Objects;

/**
 * What one HTTPServer or one Pipeline served on one node since the node started: requests by status class,
 * and the latency of each request (from its head being read to the end of its pipeline, when the response
 * head is ready; the body's streaming is not included) as an HdrHistogram in microseconds, in its compressed
 * encoding, so that histograms of several nodes can be added without losing their percentiles.
 *
 * @param requests       requests that ended (every one has a status)
 * @param status1xx      responses 100–199
 * @param status2xx      responses 200–299
 * @param status3xx      responses 300–399
 * @param status4xx      responses 400–499
 * @param status5xx      responses 500–599 (and anything else)
 * @param latency        every request's latency since the node started (compressed HdrHistogram, µs)
 * @param recentLatency  the latency of the requests of the last {@link TrafficStats#RECENT_SECONDS} seconds
 */
public record TrafficCounters(long requests, long status1xx, long status2xx, long status3xx, long status4xx,
                              long status5xx, byte[] latency, byte[] recentLatency) {
    public TrafficCounters {
        Objects.requireNonNull(latency, "latency");
        Objects.requireNonNull(recentLatency, "recentLatency");
    }
}
