package io.gatehouse.plugin.proxy.internal.lb;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;

import io.gatehouse.testkit.FakeExchange;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.Test;

public class HashPoliciesTest {
    private static final int KEYS = 10_000;

    private static Balancer ring(Upstream[] servers) {
        return Policy.CONSISTENT_HASH.create(servers, KeySource.header("X-User"), 160, null);
    }

    private static Upstream pick(Balancer balancer, String user) {
        return balancer.pick(FakeExchange.get("/").header("X-User", user));
    }

    @Test
    public void sameKeyGoesToSameServer() {
        Upstream[] servers = Servers.equal(5);
        Balancer balancer = ring(servers);
        for (int k = 0; k < 200; k++) {
            Upstream first = pick(balancer, "user-" + k);
            for (int i = 0; i < 5; i++) {
                assertSame(first, pick(balancer, "user-" + k));
            }
            // a ring built again from the same servers agrees
            assertSame(first, pick(ring(servers), "user-" + k));
        }
    }

    @Test
    public void addingAServerMovesAtMostItsShare() {
        for (int n = 1; n <= 10; n++) {
            Upstream[] before = Servers.equal(n);
            Upstream[] after = Arrays.copyOf(before, n + 1);
            after[n] = Servers.server(n, 1);
            Balancer ringBefore = ring(before);
            Balancer ringAfter = ring(after);
            int moved = 0;
            for (int k = 0; k < KEYS; k++) {
                Upstream was = pick(ringBefore, "user-" + k);
                Upstream is = pick(ringAfter, "user-" + k);
                if (was != is) {
                    moved++;
                    assertSame("a key may only move to the new server", after[n], is);
                }
            }
            double fraction = moved / (double) KEYS;
            assertTrue("moved " + fraction + " of keys when going from " + n + " to " + (n + 1) + " servers",
                    fraction <= 1.0 / (n + 1) + 0.05);
        }
    }

    @Test
    public void removingAServerMovesOnlyItsKeys() {
        Upstream[] before = Servers.equal(6);
        Upstream[] after = {before[0], before[1], before[3], before[4], before[5]};
        Balancer ringBefore = ring(before);
        Balancer ringAfter = ring(after);
        int moved = 0;
        for (int k = 0; k < KEYS; k++) {
            Upstream was = pick(ringBefore, "user-" + k);
            Upstream is = pick(ringAfter, "user-" + k);
            if (was != is) {
                moved++;
                assertSame("only keys of the removed server move", before[2], was);
            } else {
                assertTrue(was != before[2]);
            }
        }
        assertTrue("the removed server had keys", moved > 0);
    }

    @Test
    public void keysSpreadInProportionToWeight() {
        Upstream[] servers = Servers.weighted(1, 2, 1, 4);
        Balancer balancer = ring(servers);
        int[] counts = new int[4];
        for (int k = 0; k < KEYS; k++) {
            counts[Servers.indexOf(servers, pick(balancer, "user-" + k))]++;
        }
        int[] weights = {1, 2, 1, 4};
        for (int i = 0; i < 4; i++) {
            double expected = weights[i] / 8.0;
            assertEquals("share of server " + i + " " + Arrays.toString(counts), expected, counts[i] / (double) KEYS,
                    expected * 0.3);
        }
    }

    @Test
    public void missingKeyFallsBackToRoundRobin() {
        Upstream[] servers = Servers.equal(3);
        Balancer balancer = ring(servers);
        Set<Upstream> seen = new HashSet<>();
        for (int i = 0; i < 3; i++) {
            seen.add(balancer.pick(FakeExchange.get("/")));
        }
        assertEquals(3, seen.size());
    }

    @Test
    public void cookieAndClientIpKeys() {
        Upstream[] servers = Servers.equal(7);
        Balancer byHeader = ring(servers);
        Balancer byCookie = Policy.CONSISTENT_HASH.create(servers, KeySource.cookie("user"), 160, null);
        Balancer byIp = Policy.CONSISTENT_HASH.create(servers, KeySource.clientIp(), 160, null);
        for (int k = 0; k < 100; k++) {
            String user = "user-" + k;
            FakeExchange withCookie = FakeExchange.get("/").header("Cookie", "theme=dark; user=\"" + user + "\"; x=1");
            assertSame(pick(byHeader, user), byCookie.pick(withCookie));
            String ip = "127.0.0." + (k + 1);
            assertSame(pick(byHeader, ip), byIp.pick(FakeExchange.from(ip)));
        }
    }

    @Test
    public void cookieParsing() {
        assertEquals("b", Cookies.value("a=1; user=b", "user"));
        assertEquals("b", Cookies.value("user=b", "user"));
        assertEquals("b c", Cookies.value("  user = \"b c\" ;a=1", "user"));
        assertEquals("", Cookies.value("user=", "user"));
        assertEquals("x=y", Cookies.value("user=x=y", "user"));
        assertNull(Cookies.value("username=b; User=c; xuser=d", "user"));
        assertNull(Cookies.value("", "user"));
        assertNull(Cookies.value(";;", "user"));
        FakeExchange twoFields = FakeExchange.get("/").header("Cookie", "a=1").header("Cookie", "user=second");
        assertEquals("second", Cookies.value(twoFields.request().headers(), "user"));
    }

    @Test
    public void ipHashIsStablePerIp() {
        Upstream[] servers = Servers.weighted(1, 1, 2);
        Balancer balancer = Policy.IP_HASH.create(servers, null, 0, null);
        int[] counts = new int[3];
        for (int i = 0; i < 2_000; i++) {
            String ip = "127." + (i / 250) + "." + (i % 250) + ".1";
            Upstream first = balancer.pick(FakeExchange.from(ip));
            assertSame(first, balancer.pick(FakeExchange.from(ip)));
            assertSame(first, Policy.IP_HASH.create(servers, null, 0, null).pick(FakeExchange.from(ip)));
            counts[Servers.indexOf(servers, first)]++;
        }
        assertEquals(0.25, counts[0] / 2_000.0, 0.05);
        assertEquals(0.25, counts[1] / 2_000.0, 0.05);
        assertEquals(0.5, counts[2] / 2_000.0, 0.05);
        Upstream v6 = balancer.pick(FakeExchange.from("::1"));
        assertSame(v6, balancer.pick(FakeExchange.from("::1")));
    }
}
