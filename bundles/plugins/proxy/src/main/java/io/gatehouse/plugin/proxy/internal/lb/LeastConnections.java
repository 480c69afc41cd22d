package io.gatehouse.plugin.proxy.internal.lb;

import io.gatehouse.api.plugin.Exchange;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The server with the fewest exchanges in flight relative to its weight. The scan starts one server
 * further at every pick, so ties (typically all idle) are broken round robin.
 */
final class LeastConnections implements Balancer {
    private final Upstream[] servers;
    private final AtomicLong start = new AtomicLong();

    LeastConnections(Upstream[] servers) {
        this.servers = servers.clone();
    }

    @Override
    public Upstream pick(Exchange exchange) {
        int n = servers.length;
        int first = (int) Math.floorMod(start.getAndIncrement(), (long) n);
        Upstream best = servers[first];
        int bestActive = best.active();
        for (int k = 1; k < n; k++) {
            Upstream candidate = servers[(first + k) % n];
            int active = candidate.active();
            if (candidate.lessLoadedThan(active, best, bestActive)) {
                best = candidate;
                bestActive = active;
            }
        }
        return best;
    }

    @Override
    public void inherit(Balancer previous) {
        if (previous instanceof LeastConnections lc) {
            start.set(lc.start.get());
        }
    }
}
