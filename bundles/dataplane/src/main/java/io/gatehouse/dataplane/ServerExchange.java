package io.gatehouse.dataplane;

import io.gatehouse.api.plugin.Exchange;
import org.osgi.annotation.versioning.ProviderType;

/** The data plane's view of an exchange, with what only the core (not a plugin) may do to it. */
@ProviderType
public interface ServerExchange extends Exchange {

    /** Records which pipeline the request was routed to (reported by {@link Exchange#pipeline()}). */
    void pipeline(String name);

    /**
     * Records the routing rule the request matched, as the router's own object (its counters), for the router
     * to find again when the exchange ends; plugins never see it.
     *
     * @since 0.5
     */
    void route(Object rule);

    /**
     * The object {@link #route(Object)} recorded, or null when the request matched no rule.
     *
     * @since 0.5
     */
    Object route();

    /**
     * The pipeline is over: commit the response (head, then the body, streamed) and, when it is done,
     * release the connection for the next request. Without a response, the client gets 500 with the
     * gateway's JSON error body. Event loop only; exactly once.
     */
    void end();

    /**
     * Request body bytes received from the client so far (as decoded: without chunk framing).
     *
     * @since 0.3
     */
    long bytesReceived();

    /**
     * Response body bytes written to the client so far (as sent: after the body transformations, without
     * framing).
     *
     * @since 0.3
     */
    long bytesSent();

    /**
     * The upstream ({@code host:port}) whose response is the exchange's, or null when the gateway made the
     * response (or none was chosen yet).
     *
     * @since 0.3
     */
    String upstreamAddress();

    /**
     * How many upstream calls the exchange made ({@link #attempts()}'s size, without making a list: the
     * statistics read it for every request).
     *
     * @since 0.4
     */
    default int attemptCount() {
        return attempts().size();
    }

    /** The {@code i}th upstream call, in order (0 ≤ i < {@link #attemptCount()}). @since 0.4 */
    default io.gatehouse.api.plugin.Attempt attemptAt(int i) {
        return attempts().get(i);
    }
}
