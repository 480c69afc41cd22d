package io.gatehouse.plugin.proxy.internal.lb;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotSame;
import static org.junit.Assert.assertSame;

import io.gatehouse.testkit.FakeExchange;
import java.util.SplittableRandom;
import org.junit.Test;

public class RandomPoliciesTest {
    private final FakeExchange exchange = FakeExchange.get("/");

    @Test
    public void weightedRandomFollowsWeights() {
        int[] weights = {1, 3, 6};
        Upstream[] servers = Servers.weighted(weights);
        SplittableRandom random = new SplittableRandom(42);
        Balancer balancer = Policy.RANDOM.create(servers, null, 0, random::nextInt);
        int[] counts = new int[3];
        for (int i = 0; i < 100_000; i++) {
            counts[Servers.indexOf(servers, balancer.pick(exchange))]++;
        }
        for (int i = 0; i < 3; i++) {
            assertEquals("share of server " + i, weights[i] / 10.0, counts[i] / 100_000.0, 0.02);
        }
    }

    @Test
    public void weightTableMapsEveryPointToItsOwner() {
        WeightTable table = new WeightTable(Servers.weighted(2, 1, 3));
        int[] expected = {0, 0, 1, 2, 2, 2};
        assertEquals(6, table.total());
        for (int point = 0; point < 6; point++) {
            assertEquals("point " + point, expected[point], table.indexOf(point));
        }
    }

    @Test
    public void leastConnectionsPicksTheLeastLoaded() {
        Upstream[] servers = Servers.equal(3);
        load(servers[0], 3);
        load(servers[1], 1);
        load(servers[2], 2);
        Balancer balancer = Policy.LEAST_CONNECTIONS.create(servers, null, 0, null);
        for (int i = 0; i < 10; i++) {
            assertSame(servers[1], balancer.pick(exchange));
        }
    }

    @Test
    public void leastConnectionsWeighsLoad() {
        Upstream[] servers = Servers.weighted(1, 3);
        load(servers[0], 1);
        load(servers[1], 2); // 2/3 < 1/1
        Balancer balancer = Policy.LEAST_CONNECTIONS.create(servers, null, 0, null);
        assertSame(servers[1], balancer.pick(exchange));
    }

    @Test
    public void leastConnectionsBreaksTiesRoundRobin() {
        Upstream[] servers = Servers.equal(3);
        Balancer balancer = Policy.LEAST_CONNECTIONS.create(servers, null, 0, null);
        int[] counts = new int[3];
        for (int i = 0; i < 30; i++) {
            counts[Servers.indexOf(servers, balancer.pick(exchange))]++;
        }
        assertEquals(10, counts[0]);
        assertEquals(10, counts[1]);
        assertEquals(10, counts[2]);
    }

    @Test
    public void leastConnectionsFollowsLiveCounters() {
        Upstream[] servers = Servers.equal(3);
        Balancer balancer = Policy.LEAST_CONNECTIONS.create(servers, null, 0, null);
        // each pick is held open: the next pick must go to an idle server until all are busy
        Upstream a = balancer.pick(exchange);
        a.acquire();
        Upstream b = balancer.pick(exchange);
        b.acquire();
        Upstream c = balancer.pick(exchange);
        assertNotSame(a, b);
        assertNotSame(a, c);
        assertNotSame(b, c);
        a.release();
        c.acquire();
        assertSame(a, balancer.pick(exchange));
    }

    @Test
    public void powerOfTwoNeverPicksTheMoreLoadedOfItsTwo() {
        Upstream[] servers = Servers.equal(3);
        load(servers[0], 0);
        load(servers[1], 5);
        load(servers[2], 10);
        Balancer balancer = Policy.POWER_OF_TWO_CHOICES.create(servers, null, 0, new SplittableRandom(7)::nextInt);
        int[] counts = new int[3];
        for (int i = 0; i < 30_000; i++) {
            counts[Servers.indexOf(servers, balancer.pick(exchange))]++;
        }
        assertEquals("the most loaded server is the loser of every pair it is in", 0, counts[2]);
        // server 0 wins whenever drawn (2 pairs of 3), server 1 only against server 2 (1 pair of 3)
        assertEquals(2 / 3.0, counts[0] / 30_000.0, 0.02);
        assertEquals(1 / 3.0, counts[1] / 30_000.0, 0.02);
    }

    @Test
    public void powerOfTwoDrawsTwoDistinctServers() {
        Upstream[] servers = Servers.equal(2);
        load(servers[0], 4);
        // a dice that always rolls 0 still compares server 0 with server 1
        Balancer balancer = Policy.POWER_OF_TWO_CHOICES.create(servers, null, 0, bound -> 0);
        assertSame(servers[1], balancer.pick(exchange));
        Upstream[] single = Servers.equal(1);
        assertSame(single[0], Policy.POWER_OF_TWO_CHOICES.create(single, null, 0, bound -> 0).pick(exchange));
    }

    @Test
    public void powerOfTwoWeighsLoad() {
        Upstream[] servers = Servers.weighted(1, 10);
        load(servers[0], 1);
        load(servers[1], 5); // 5/10 < 1/1
        Balancer balancer = Policy.POWER_OF_TWO_CHOICES.create(servers, null, 0, new SplittableRandom(1)::nextInt);
        for (int i = 0; i < 20; i++) {
            assertSame(servers[1], balancer.pick(exchange));
        }
    }

    private static void load(Upstream server, int active) {
        for (int i = 0; i < active; i++) {
            server.acquire();
        }
    }
}
