package io.gatehouse.api.stats;

/**
 * Counters of one HTTPServer or Pipeline added over one or more nodes, with latency percentiles computed
 * from the added histograms (milliseconds; 0 when there was no request).
 *
 * @param requests      requests that ended
 * @param status1xx     responses 100–199
 * @param status2xx     responses 200–299
 * @param status3xx     responses 300–399
 * @param status4xx     responses 400–499
 * @param status5xx     responses 500–599
 * @param latency       since the nodes started
 * @param recent        the last {@link TrafficStats#RECENT_SECONDS} seconds
 */
public record TrafficSummary(long requests, long status1xx, long status2xx, long status3xx, long status4xx,
                             long status5xx, Latency latency, Latency recent) {

    /**
     * Latency percentiles of a set of requests.
     *
     * @param count requests counted
     * @param mean  mean (ms)
     * @param p50   median (ms)
     * @param p90   90th percentile (ms)
     * @param p99   99th percentile (ms)
     * @param max   maximum (ms)
     */
    public record Latency(long count, double mean, double p50, double p90, double p99, double max) {
    }
}
