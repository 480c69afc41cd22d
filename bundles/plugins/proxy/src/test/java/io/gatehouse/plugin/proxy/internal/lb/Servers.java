package io.gatehouse.plugin.proxy.internal.lb;

import io.gatehouse.api.plugin.Forward;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

/** Server lists for balancer tests (names only: nothing connects to them). */
final class Servers {
    private Servers() {
    }

    static Upstream server(int i, int weight) {
        int port = 18000 + i;
        return new Upstream("http://127.0.0.1:" + port, weight, Forward.to("127.0.0.1", port), new AtomicInteger());
    }

    static Upstream[] weighted(int... weights) {
        Upstream[] servers = new Upstream[weights.length];
        for (int i = 0; i < weights.length; i++) {
            servers[i] = server(i, weights[i]);
        }
        return servers;
    }

    static Upstream[] equal(int n) {
        int[] weights = new int[n];
        Arrays.fill(weights, 1);
        return weighted(weights);
    }

    static int indexOf(Upstream[] servers, Upstream server) {
        for (int i = 0; i < servers.length; i++) {
            if (servers[i] == server) {
                return i;
            }
        }
        throw new AssertionError("not one of the servers: " + server);
    }
}
