package io.gatehouse.api.stats;

import java.util.Map;
import java.util.Objects;

/**
 * The upstream side of one HTTPServer's requests on one node since it started: the upstream calls its exchanges
 * made (shadow copies excluded), how many failed and why, the time spent in them, and the gateway's own time.
 * Histograms are compressed HdrHistograms in microseconds, as in {@link TrafficCounters}.
 *
 * @param attempts        upstream calls sent (retries and hedged calls each count)
 * @param errors          failed calls by reason ({@code CONNECT_FAILED}, {@code READ_TIMEOUT}...), those that
 *                        occurred
 * @param upstreamLatency per request that called upstreams: the time of its calls, from each call being sent to its
 *                        response head or failure, added up
 * @param gatewayLatency  per request: its latency minus that upstream time (all of it for requests the gateway
 *                        answered itself)
 * @since 1.1
 */
public record UpstreamCounters(long attempts, Map<String, Long> errors, byte[] upstreamLatency,
                               byte[] gatewayLatency) {
    public UpstreamCounters {
        errors = Map.copyOf(errors);
        Objects.requireNonNull(upstreamLatency, "upstreamLatency");
        Objects.requireNonNull(gatewayLatency, "gatewayLatency");
    }
}
