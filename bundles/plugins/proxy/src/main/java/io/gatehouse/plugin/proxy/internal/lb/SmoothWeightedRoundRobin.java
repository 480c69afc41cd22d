package io.gatehouse.plugin.proxy.internal.lb;

import io.gatehouse.api.plugin.Exchange;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Smooth weighted round robin as nginx does it (each step adds every weight to the server's current
 * weight, picks the highest and subtracts the total from it), computed once at creation for one full
 * period so that a pick is a single atomic increment instead of a locked update of every server. The
 * period is the sum of the weights divided by their greatest common divisor; the validator bounds it.
 */
final class SmoothWeightedRoundRobin implements Balancer {
    private final Upstream[] servers;
    private final int[] schedule;
    private final AtomicLong next = new AtomicLong();

    SmoothWeightedRoundRobin(Upstream[] servers) {
        this.servers = servers.clone();
        this.schedule = schedule(reducedWeights(servers));
    }

    static int[] reducedWeights(Upstream[] servers) {
        int gcd = 0;
        for (Upstream s : servers) {
            gcd = gcd(gcd, s.weight());
        }
        int[] weights = new int[servers.length];
        for (int i = 0; i < servers.length; i++) {
            weights[i] = servers[i].weight() / gcd;
        }
        return weights;
    }

    private static int gcd(int a, int b) {
        while (b != 0) {
            int t = a % b;
            a = b;
            b = t;
        }
        return a;
    }

    /** One period of nginx's smooth weighted round robin over {@code weights}, as server indices. */
    static int[] schedule(int[] weights) {
        long total = 0;
        for (int w : weights) {
            total += w;
        }
        int[] order = new int[Math.toIntExact(total)];
        long[] current = new long[weights.length];
        for (int step = 0; step < order.length; step++) {
            int best = 0;
            for (int i = 0; i < weights.length; i++) {
                current[i] += weights[i];
                if (current[i] > current[best]) {
                    best = i;
                }
            }
            current[best] -= total;
            order[step] = best;
        }
        return order;
    }

    @Override
    public Upstream pick(Exchange exchange) {
        return servers[schedule[(int) Math.floorMod(next.getAndIncrement(), (long) schedule.length)]];
    }

    @Override
    public void inherit(Balancer previous) {
        if (previous instanceof SmoothWeightedRoundRobin wrr) {
            next.set(wrr.next.get());
        }
    }
}
