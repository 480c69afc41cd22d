package io.gatehouse.api.stats;

import java.util.Objects;

/**
 * The requests one routing rule of an HTTPServer matched on this node, since the server's rules last changed.
 *
 * @param server   the HTTPServer's name
 * @param rule     the rule's index in the server's rules (0 first)
 * @param matches  what the rule matches, in one line ({@code host=api.example.com pathPrefix=/v1/}, or
 *                 {@code every request})
 * @param pipeline the pipeline the rule picks
 * @param requests requests the rule matched
 * @since 1.1
 */
public record RouteCounters(String server, int rule, String matches, String pipeline, long requests) {
    public RouteCounters {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(matches, "matches");
        Objects.requireNonNull(pipeline, "pipeline");
    }
}
