package io.gatehouse.plugin.proxy.internal.lb;

import io.gatehouse.api.plugin.Exchange;
import java.util.Arrays;
import java.util.Comparator;

/**
 * A hash ring (Karger et al.): every server owns {@code virtualNodes} points per unit of weight (weights
 * divided by their greatest common divisor), placed by hashing {@code url#i}; a key goes to the first
 * point at or after its hash. Adding a server only takes keys from the others, removing one only moves
 * its own keys. Requests without a key are spread by weighted round robin.
 */
final class ConsistentHash implements Balancer {
    private final Upstream[] servers;
    private final KeySource keySource;
    private final long[] points;
    private final int[] owners;
    private final Balancer fallback;

    ConsistentHash(Upstream[] servers, KeySource keySource, int virtualNodes) {
        if (virtualNodes < 1) {
            throw new IllegalArgumentException("virtualNodes must be positive: " + virtualNodes);
        }
        this.servers = servers.clone();
        this.keySource = keySource;
        this.fallback = new SmoothWeightedRoundRobin(servers);
        int[] weights = SmoothWeightedRoundRobin.reducedWeights(servers);
        int count = 0;
        for (int w : weights) {
            count = Math.addExact(count, Math.multiplyExact(w, virtualNodes));
        }
        Point[] ring = new Point[count];
        int p = 0;
        for (int s = 0; s < servers.length; s++) {
            String url = servers[s].url();
            for (int i = 0; i < weights[s] * virtualNodes; i++) {
                ring[p++] = new Point(Hash64.hash(url + "#" + i), s, url);
            }
        }
        // ties (equal hashes) are broken by url, so a point's owner does not depend on server order
        Arrays.sort(ring, Comparator.comparingLong(Point::hash).thenComparing(Point::url));
        points = new long[count];
        owners = new int[count];
        for (int i = 0; i < count; i++) {
            points[i] = ring[i].hash();
            owners[i] = ring[i].owner();
        }
    }

    private record Point(long hash, int owner, String url) {
    }

    @Override
    public Upstream pick(Exchange exchange) {
        String key = keySource.key(exchange);
        if (key == null) {
            return fallback.pick(exchange);
        }
        return serverFor(Hash64.hash(key));
    }

    /** The owner of the first ring point at or after {@code hash}, wrapping around. */
    Upstream serverFor(long hash) {
        int i = Arrays.binarySearch(points, hash);
        if (i < 0) {
            i = -i - 1;
            if (i == points.length) {
                i = 0;
            }
        } else {
            while (i > 0 && points[i - 1] == hash) {
                i--;
            }
        }
        return servers[owners[i]];
    }

    @Override
    public void inherit(Balancer previous) {
        if (previous instanceof ConsistentHash ch) {
            fallback.inherit(ch.fallback);
        }
    }
}
