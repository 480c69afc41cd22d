package io.gatehouse.plugin.proxy.internal.lb;

import io.gatehouse.api.plugin.Exchange;
import java.net.InetAddress;

/**
 * The client's IP address hashed onto the weighted server list (as nginx's ip_hash, but over the whole
 * address): a client sticks to one server while the list is unchanged. Changing the list moves most
 * clients; consistentHash with {@code clientIp} is the stable alternative. Without an address (a unix
 * socket, say) it falls back to weighted round robin.
 */
final class IpHash implements Balancer {
    private final Upstream[] servers;
    private final WeightTable table;
    private final Balancer fallback;

    IpHash(Upstream[] servers) {
        this.servers = servers.clone();
        this.table = new WeightTable(servers);
        this.fallback = new SmoothWeightedRoundRobin(servers);
    }

    @Override
    public Upstream pick(Exchange exchange) {
        InetAddress address = KeySource.clientAddress(exchange);
        if (address == null) {
            return fallback.pick(exchange);
        }
        long hash = Hash64.hash(address.getAddress());
        return servers[table.indexOf((int) Math.floorMod(hash, (long) table.total()))];
    }

    @Override
    public void inherit(Balancer previous) {
        if (previous instanceof IpHash ip) {
            fallback.inherit(ip.fallback);
        }
    }
}
