package io.gatehouse.cluster.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.gatehouse.api.cluster.Role;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.Test;

public class ClusterSettingsTest {

    private static ClusterSettings parse(String... kv) {
        Map<String, String> p = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            p.put(kv[i], kv[i + 1]);
        }
        return ClusterSettings.from(TestNodes.config(p), p);
    }

    private static void refused(String key, String... kv) {
        try {
            parse(kv);
            fail("accepted " + String.join(" ", kv));
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage(), e.getMessage().startsWith(key + ": "));
        }
    }

    @Test
    public void defaultsAreTheDocumentedOnes() {
        ClusterSettings s = parse();
        assertEquals("gatehouse", s.clusterName());
        assertEquals("node1", s.nodeName());
        assertEquals("default", s.group());
        assertEquals(Role.VOTER, s.role());
        assertEquals(List.of("node1"), s.voters());
        assertEquals("127.0.0.1", s.bindAddress());
        assertEquals(5701, s.bindPort());
        assertEquals(List.of(), s.seeds());
        assertFalse(s.multicast());
        assertEquals(Duration.ofMillis(200), s.heartbeat());
        assertEquals(Duration.ofMillis(600), s.suspectAfter());
        assertEquals(Duration.ofSeconds(5), s.deadAfter());
        assertEquals(Duration.ofMillis(200), s.leaseRenew());
        assertEquals(Duration.ofMillis(800), s.leaseStepDown());
        assertEquals(Duration.ofSeconds(1), s.leaseTakeover());
        assertEquals(Duration.ofSeconds(10), s.writeTimeout());
        assertEquals("gatehouse.default", s.hazelcastClusterName());
        assertFalse(s.usesCp());
        assertTrue(s.standalone());
    }

    @Test
    public void readsEveryKey() {
        ClusterSettings s = parse("cluster.name", "prod", "node.name", "n2", "group", "eu", "role", "voter",
                "voters", "n1, n2,n3", "bind.address", "10.0.0.2", "bind.port", "6000",
                "seeds", "10.0.0.1:6000,10.0.0.3:6000", "groups.us", "10.1.0.1:9900, 10.1.0.2:9900",
                "heartbeat", "100ms", "suspectAfter", "300ms", "deadAfter", "3s", "lease.renew", "100ms",
                "lease.stepDown", "400ms", "lease.takeover", "500ms", "writeTimeout", "5s");
        assertEquals("prod.eu", s.hazelcastClusterName());
        assertEquals(List.of("n1", "n2", "n3"), s.voters());
        assertTrue(s.usesCp());
        assertEquals("n1", s.staticLeader());
        assertEquals(List.of("10.0.0.1:6000", "10.0.0.3:6000"), s.seeds());
        assertEquals(Map.of("us", List.of("10.1.0.1:9900", "10.1.0.2:9900")), s.groups());
        assertEquals("", s.tlsTrust());
        ClusterSettings https = parse("groups.us", "https://us1.example.com:9900, http://10.1.0.2:9900");
        assertEquals(List.of("https://us1.example.com:9900", "http://10.1.0.2:9900"), https.groups().get("us"));
        assertEquals(Duration.ofSeconds(3), s.deadAfter());
        assertEquals(Duration.ofMillis(500), s.leaseTakeover());
    }

    @Test
    public void invalidValuesNameTheirKey() {
        refused("node.name", "node.name", "Node_1");
        refused("cluster.name", "cluster.name", "a b");
        refused("group", "group", "");
        refused("role", "role", "leader");
        refused("voters", "voters", "n2,n3");
        refused("voters", "voters", "node1,node1");
        refused("role", "role", "observer", "voters", "node1,n2");
        refused("voters", "role", "observer");
        refused("bind.address", "bind.address", "localhost");
        refused("bind.address", "bind.address", "300.1.1.1");
        refused("bind.port", "bind.port", "70000");
        refused("bind.port", "bind.port", "x");
        refused("seeds", "seeds", "10.0.0.1");
        refused("seeds", "seeds", "10.0.0.1:0");
        refused("multicast.enabled", "multicast.enabled", "yes");
        refused("multicast.enabled", "multicast.enabled", "true", "seeds", "10.0.0.1:5701");
        refused("secret", "secret", "short");
        refused("secret", "secret", "0123456789abcdefgh", "secret.file", "/tmp/x");
        refused("groups.default", "groups.default", "10.0.0.1:9900");
        refused("groups.us", "groups.us", "nothing");
        refused("groups.us", "groups.us", "ftp://10.1.0.1:9900");
        refused("groups.us", "groups.us", "https://10.1.0.1:9900/api");
        refused("tls.trust", "tls.trust", "/nonexistent/groups-ca.pem");
        refused("heartbeat", "heartbeat", "200");
        refused("suspectAfter", "suspectAfter", "300ms");
        refused("deadAfter", "deadAfter", "2500ms");
        refused("deadAfter", "deadAfter", "1s");
        refused("lease.stepDown", "lease.stepDown", "300ms");
        refused("lease.takeover", "lease.takeover", "800ms");
        refused("writeTimeout", "writeTimeout", "0ms");
    }
}
