package io.gatehouse.plugin.proxy.internal.lb;

import io.gatehouse.api.plugin.Exchange;
import java.util.concurrent.atomic.AtomicLong;

/** Plain round robin, ignoring weights: one atomic counter shared by all event loops. */
final class RoundRobin implements Balancer {
    private final Upstream[] servers;
    private final AtomicLong next = new AtomicLong();

    RoundRobin(Upstream[] servers) {
        this.servers = servers.clone();
    }

    @Override
    public Upstream pick(Exchange exchange) {
        return servers[(int) Math.floorMod(next.getAndIncrement(), (long) servers.length)];
    }

    @Override
    public void inherit(Balancer previous) {
        if (previous instanceof RoundRobin rr) {
            next.set(rr.next.get());
        }
    }
}
