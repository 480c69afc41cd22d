package io.gatehouse.plugin.proxy.internal.lb;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.gatehouse.testkit.FakeExchange;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.Test;

public class WeightedRoundRobinTest {
    private final FakeExchange exchange = FakeExchange.get("/");

    @Test
    public void followsNginxSmoothSequence() {
        // nginx's documented example: weights 5, 1, 1 give a a b a c a a
        assertArrayEquals(new int[] {0, 0, 1, 0, 2, 0, 0}, SmoothWeightedRoundRobin.schedule(new int[] {5, 1, 1}));
    }

    @Test
    public void proportionsMatchWeightsWithinOnePercent() {
        int[] weights = {1, 2, 3, 4};
        Upstream[] servers = Servers.weighted(weights);
        Balancer wrr = Policy.WEIGHTED_ROUND_ROBIN.create(servers, null, 0, null);
        int[] counts = pick(wrr, servers, 10_000);
        for (int i = 0; i < weights.length; i++) {
            double share = counts[i] / 10_000.0;
            assertEquals("share of server " + i, weights[i] / 10.0, share, 0.01);
        }
    }

    @Test
    public void isSmoothInEveryWindow() {
        for (int[] weights : new int[][] {{5, 1, 1}, {3, 7, 11, 2}, {1, 1, 1}, {100, 1}, {4, 6}, {13, 17, 19, 23, 29}}) {
            Upstream[] servers = Servers.weighted(weights);
            Balancer wrr = Policy.WEIGHTED_ROUND_ROBIN.create(servers, null, 0, null);
            int total = 0;
            for (int w : weights) {
                total += w;
            }
            int[] sequence = new int[total * 4];
            for (int i = 0; i < sequence.length; i++) {
                sequence[i] = Servers.indexOf(servers, wrr.pick(exchange));
            }
            for (int length = 1; length <= total; length++) {
                for (int start = 0; start + length <= sequence.length; start++) {
                    int[] counts = new int[weights.length];
                    for (int k = start; k < start + length; k++) {
                        counts[sequence[k]]++;
                    }
                    for (int s = 0; s < weights.length; s++) {
                        long fair = ((long) length * weights[s] + total - 1) / total;
                        assertTrue("server " + s + " of weights " + java.util.Arrays.toString(weights) + " picked "
                                + counts[s] + " times in a window of " + length + " at " + start,
                                counts[s] <= fair + 1);
                        if (length == total) {
                            assertTrue("more than its share in a window of sum(weights)", counts[s] <= weights[s]);
                        }
                    }
                }
            }
        }
    }

    @Test
    public void sharedCounterIsExactUnderConcurrentPicks() throws Exception {
        Upstream[] servers = Servers.weighted(1, 2, 3);
        Balancer wrr = Policy.WEIGHTED_ROUND_ROBIN.create(servers, null, 0, null);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Callable<int[]>> tasks = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                tasks.add(() -> pick(wrr, servers, 6_000));
            }
            int[] totals = new int[3];
            for (Future<int[]> f : pool.invokeAll(tasks)) {
                int[] counts = f.get();
                for (int i = 0; i < 3; i++) {
                    totals[i] += counts[i];
                }
            }
            // 24,000 picks are 4,000 whole periods: exact counts, whatever the interleaving
            assertArrayEquals(new int[] {4_000, 8_000, 12_000}, totals);
        } finally {
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
        }
    }

    @Test
    public void plainRoundRobinIgnoresWeights() {
        Upstream[] servers = Servers.weighted(1, 5, 9);
        Balancer rr = Policy.ROUND_ROBIN.create(servers, null, 0, null);
        for (int i = 0; i < 9; i++) {
            assertEquals(servers[i % 3], rr.pick(exchange));
        }
    }

    @Test
    public void inheritsThePosition() {
        Upstream[] servers = Servers.equal(3);
        Balancer before = Policy.ROUND_ROBIN.create(servers, null, 0, null);
        before.pick(exchange);
        Balancer after = Policy.ROUND_ROBIN.create(servers, null, 0, null);
        after.inherit(before);
        assertEquals(servers[1], after.pick(exchange));
    }

    private int[] pick(Balancer balancer, Upstream[] servers, int times) {
        int[] counts = new int[servers.length];
        for (int i = 0; i < times; i++) {
            counts[Servers.indexOf(servers, balancer.pick(exchange))]++;
        }
        return counts;
    }
}
