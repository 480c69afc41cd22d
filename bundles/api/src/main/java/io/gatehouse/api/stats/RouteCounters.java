package io.gatehouse.api.stats;

import java.util.Objects;

/**
 * The requests one routing rule of an HTTPServer matched on this node, since the server's rules last changed,
 * counted when they end, by the status class of their responses.
 *
 * @param server    the HTTPServer's name
 * @param rule      the rule's index in the server's rules (0 first)
 * @param matches   what the rule matches, in one line ({@code host=api.example.com pathPrefix=/v1/}, or
 *                  {@code every request})
 * @param pipeline  the pipeline the rule picks
 * @param status1xx requests that ended 1xx (since 1.2)
 * @param status2xx requests that ended 2xx (since 1.2)
 * @param status3xx requests that ended 3xx (since 1.2)
 * @param status4xx requests that ended 4xx (since 1.2)
 * @param status5xx requests that ended 5xx, or without a response (since 1.2)
 * @since 1.1
 */
public record RouteCounters(String server, int rule, String matches, String pipeline, long status1xx,
                            long status2xx, long status3xx, long status4xx, long status5xx) {
    public RouteCounters {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(matches, "matches");
        Objects.requireNonNull(pipeline, "pipeline");
    }

    /** Counters without status classes: {@code requests} counted as 2xx (the 1.1 form). */
    public RouteCounters(String server, int rule, String matches, String pipeline, long requests) {
        this(server, rule, matches, pipeline, 0, requests, 0, 0, 0);
    }

    /** Every request the rule matched that ended. */
    public long requests() {
        return status1xx + status2xx + status3xx + status4xx + status5xx;
    }
}
