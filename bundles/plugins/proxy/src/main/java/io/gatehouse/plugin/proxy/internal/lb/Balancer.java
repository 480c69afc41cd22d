package io.gatehouse.plugin.proxy.internal.lb;

import io.gatehouse.api.plugin.Exchange;

/**
 * Chooses the server of a pool for one exchange. Implementations are called concurrently from several
 * event loops and must not block or lock: their state is atomic or immutable.
 */
public interface Balancer {

    /** The server for this exchange; never null (a pool has at least one server). */
    Upstream pick(Exchange exchange);

    /**
     * Takes over the position of the balancer of the same pool in the previous config generation, so a
     * change does not restart every rotation at the first server. Called before the balancer is used;
     * ignores balancers of another type.
     */
    default void inherit(Balancer previous) {
    }
}
