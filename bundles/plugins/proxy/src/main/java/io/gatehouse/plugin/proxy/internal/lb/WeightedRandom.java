package io.gatehouse.plugin.proxy.internal.lb;

import io.gatehouse.api.plugin.Exchange;

/** Random choice in proportion to weight: a roll over the total weight and a binary search. */
final class WeightedRandom implements Balancer {
    private final Upstream[] servers;
    private final Dice dice;
    private final WeightTable table;

    WeightedRandom(Upstream[] servers, Dice dice) {
        this.servers = servers.clone();
        this.dice = dice;
        this.table = new WeightTable(servers);
    }

    @Override
    public Upstream pick(Exchange exchange) {
        return servers[table.indexOf(dice.roll(table.total()))];
    }
}
