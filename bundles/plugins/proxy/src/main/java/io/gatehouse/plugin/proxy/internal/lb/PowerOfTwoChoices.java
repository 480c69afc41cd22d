package io.gatehouse.plugin.proxy.internal.lb;

import io.gatehouse.api.plugin.Exchange;

/**
 * Two distinct servers at random, the less loaded (relative to weight) wins: nearly the balance of least
 * connections without scanning every server, and no herd on the single least loaded one.
 */
final class PowerOfTwoChoices implements Balancer {
    private final Upstream[] servers;
    private final Dice dice;

    PowerOfTwoChoices(Upstream[] servers, Dice dice) {
        this.servers = servers.clone();
        this.dice = dice;
    }

    @Override
    public Upstream pick(Exchange exchange) {
        int n = servers.length;
        if (n == 1) {
            return servers[0];
        }
        int i = dice.roll(n);
        int j = dice.roll(n - 1);
        if (j >= i) {
            j++;
        }
        Upstream a = servers[i];
        Upstream b = servers[j];
        int activeA = a.active();
        int activeB = b.active();
        return b.lessLoadedThan(activeB, a, activeA) ? b : a;
    }
}
