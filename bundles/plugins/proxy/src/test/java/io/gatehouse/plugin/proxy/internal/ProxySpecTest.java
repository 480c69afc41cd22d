package io.gatehouse.plugin.proxy.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import io.gatehouse.api.config.Violation;
import io.gatehouse.api.config.Violations;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.Test;

public class ProxySpecTest {
    static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    private final ProxyPluginKind kind = new ProxyPluginKind();

    static ProxySpec bind(String json) throws Exception {
        return MAPPER.readValue(json, ProxySpec.class);
    }

    private List<Violation> violations(String json) throws Exception {
        Violations v = Violations.root();
        kind.validate(bind(json), v);
        return v.list();
    }

    /** Asserts exactly these violations, as {@code path: message} strings (message by prefix). */
    private void assertViolations(String json, String... expected) throws Exception {
        List<Violation> found = violations(json);
        String all = found.stream().map(Violation::toString).collect(Collectors.joining("\n"));
        assertEquals(all, expected.length, found.size());
        for (int i = 0; i < expected.length; i++) {
            assertTrue("expected " + expected[i] + " in\n" + all, found.get(i).toString().startsWith(expected[i]));
        }
    }

    @Test
    public void documentedExampleIsValid() throws Exception {
        String json = """
            {"pools": [
               {"name": "canary",
                "match": {"headers": [{"name": "X-Canary", "value": "1"}, {"name": "X-Team", "regex": "^(web|mobile)$"}]},
                "servers": [{"url": "http://127.0.0.1:18081", "weight": 1}],
                "loadBalance": {"policy": "roundRobin"}},
               {"servers": [{"url": "http://127.0.0.1:18080", "weight": 3}, {"url": "http://127.0.0.1:18082"}],
                "loadBalance": {"policy": "consistentHash", "hashKey": {"header": "X-User"}, "virtualNodes": 160}}],
             "connectTimeout": "5s", "readTimeout": "60s", "hostHeader": "preserve"}
            """;
        assertViolations(json);
        ProxySpec spec = bind(json);
        assertEquals(2, spec.pools().size());
        assertEquals(Integer.valueOf(1), spec.pools().get(1).servers().get(1).weight());
    }

    @Test
    public void defaultsApply() throws Exception {
        ProxySpec spec = bind("{\"pools\": [{\"servers\": [{\"url\": \"http://localhost\"}]}]}");
        assertViolations("{\"pools\": [{\"servers\": [{\"url\": \"http://localhost\"}]}]}");
        assertEquals("5s", spec.connectTimeout());
        assertEquals("60s", spec.readTimeout());
        assertEquals("preserve", spec.hostHeader());
        ProxySpec.Pool pool = spec.pools().get(0);
        assertEquals("roundRobin", pool.loadBalance().policy());
        assertNull(pool.loadBalance().virtualNodes());
        assertEquals(160, pool.loadBalance().virtualNodesOrDefault());
        assertTrue(pool.matchesAll());
        assertEquals(new UpstreamUrl("localhost", 80, false), UpstreamUrl.parse("http://localhost"));
        assertEquals(new UpstreamUrl("localhost", 443, true), UpstreamUrl.parse("https://localhost"));
        assertEquals("https://localhost:443", UpstreamUrl.parse("HTTPS://LocalHost").url());
        assertTrue(spec.tls().verify());
        assertNull(spec.tls().trust());
    }

    @Test
    public void everyPolicyIsAccepted() throws Exception {
        for (String policy : List.of("roundRobin", "weightedRoundRobin", "random", "leastConnections",
                "powerOfTwoChoices", "ipHash")) {
            assertViolations("{\"pools\": [{\"servers\": [{\"url\": \"http://127.0.0.1:1\"}],"
                    + " \"loadBalance\": {\"policy\": \"" + policy + "\"}}]}");
        }
        assertViolations("{\"pools\": [{\"servers\": [{\"url\": \"http://127.0.0.1:1\"}],"
                + " \"loadBalance\": {\"policy\": \"consistentHash\", \"hashKey\": {\"clientIp\": true}}}]}");
        assertViolations("{\"pools\": [{\"servers\": [{\"url\": \"http://127.0.0.1:1\"}],"
                + " \"loadBalance\": {\"policy\": \"consistentHash\", \"hashKey\": {\"cookie\": \"sid\"}}}]}");
    }

    @Test
    public void serverRules() throws Exception {
        assertViolations("""
            {"pools": [{"servers": [
              {"url": "http://127.0.0.1:8080", "weight": 0},
              {"url": "http://127.0.0.1:8443", "weight": 0},
              {"url": "http://127.0.0.1:8080/api"},
              {"url": "ftp://127.0.0.1"},
              {"url": "http://127.0.0.1:8080/", "weight": 1001},
              {"url": "http://user:pw@127.0.0.1:8081"},
              {"url": "http://127.0.0.1:8082?x=1"},
              {},
              {"url": "http://[::1]:8083", "weight": 1000}
            ]}]}
            """,
                "$.pools[0].servers[0].weight: must be 1..1000, found 0",
                "$.pools[0].servers[1].weight: must be 1..1000, found 0",
                "$.pools[0].servers[2].url: a path in a server url is not supported",
                "$.pools[0].servers[3].url: 'ftp://127.0.0.1' is not an http:// or https:// url",
                "$.pools[0].servers[4].url: 'http://127.0.0.1:8080/' is already servers[0] of this pool",
                "$.pools[0].servers[4].weight: must be 1..1000, found 1001",
                "$.pools[0].servers[5].url: credentials in a server url are not supported",
                "$.pools[0].servers[6].url: a query or fragment in a server url is not supported",
                "$.pools[0].servers[7].url: a url is required");
    }

    @Test
    public void tlsSettingsBindAndAreChecked() throws Exception {
        ProxySpec spec = bind("""
            {"pools": [{"servers": [{"url": "https://api.internal:8443"}]}],
             "tls": {"trust": "etc/tls/ca.pem", "verify": false, "serverName": "api.internal"}}
            """);
        assertEquals("etc/tls/ca.pem", spec.tls().trust());
        assertEquals(false, spec.tls().verify());
        assertEquals("api.internal", spec.tls().serverName());
        assertViolations("""
            {"pools": [{"servers": [{"url": "https://127.0.0.1"}]}], "tls": {"trust": " ", "serverName": "a b"}}
            """,
                "$.tls.trust: must be the path of a PEM file of trusted certificates, or absent for the JDK's",
                "$.tls.serverName: 'a b' is not a host name such as api.example.com");
    }

    @Test
    public void poolRules() throws Exception {
        assertViolations("{\"pools\": []}", "$.pools: at least one pool is required");
        assertViolations("{}", "$.pools: at least one pool is required");
        assertViolations("""
            {"pools": [
              {"name": "a", "servers": []},
              {"name": "a", "match": {"headers": [{"name": "X-A", "value": "1", "regex": "1"}]},
               "servers": [{"url": "http://127.0.0.1:1"}]},
              null
            ]}
            """,
                "$.pools[0].servers: at least one server is required",
                "$.pools[1]: unreachable: pools[0] before it matches every request",
                "$.pools[1].name: 'a' is already the name of pools[0]",
                "$.pools[1].match.headers[0]: exactly one of value or regex is required",
                "$.pools[2]: a pool must be an object");
    }

    @Test
    public void headerMatchRules() throws Exception {
        assertViolations("""
            {"pools": [
              {"match": {"headers": [{"name": "X A", "value": "1"}, {"name": "X-B", "regex": "(["}, {"name": "X-C"}]},
               "servers": [{"url": "http://127.0.0.1:1"}]},
              {"servers": [{"url": "http://127.0.0.1:2"}]}
            ]}
            """,
                "$.pools[0].match.headers[0].name: 'X A' is not a valid header name",
                "$.pools[0].match.headers[1].regex: not a valid regular expression",
                "$.pools[0].match.headers[2]: exactly one of value or regex is required");
    }

    @Test
    public void loadBalanceRules() throws Exception {
        assertViolations("""
            {"pools": [
              {"match": {"headers": [{"name": "A", "value": "1"}]}, "servers": [{"url": "http://127.0.0.1:1"}],
               "loadBalance": {"policy": "fastest"}},
              {"match": {"headers": [{"name": "A", "value": "2"}]}, "servers": [{"url": "http://127.0.0.1:1"}],
               "loadBalance": {"policy": "random", "hashKey": {"header": "X"}, "virtualNodes": 10}},
              {"match": {"headers": [{"name": "A", "value": "3"}]}, "servers": [{"url": "http://127.0.0.1:1"}],
               "loadBalance": {"policy": "consistentHash"}},
              {"match": {"headers": [{"name": "A", "value": "4"}]}, "servers": [{"url": "http://127.0.0.1:1"}],
               "loadBalance": {"policy": "consistentHash", "hashKey": {"header": "X", "cookie": "c"}, "virtualNodes": 0}},
              {"match": {"headers": [{"name": "A", "value": "5"}]},
               "servers": [{"url": "http://127.0.0.1:1", "weight": 1000}, {"url": "http://127.0.0.1:2", "weight": 999}],
               "loadBalance": {"policy": "consistentHash", "hashKey": {"clientIp": false}}}
            ]}
            """,
                "$.pools[0].loadBalance.policy: 'fastest' is not a policy; use one of roundRobin, weightedRoundRobin",
                "$.pools[1].loadBalance.hashKey: only used by the consistentHash policy",
                "$.pools[1].loadBalance.virtualNodes: only used by the consistentHash policy",
                "$.pools[2].loadBalance.hashKey: consistentHash needs a hashKey",
                "$.pools[3].loadBalance.hashKey: exactly one of header, cookie or clientIp",
                "$.pools[3].loadBalance.virtualNodes: must be 1..10000, found 0",
                "$.pools[4].loadBalance.hashKey: exactly one of header, cookie or clientIp");
    }

    @Test
    public void ringLimitCountsReducedWeights() throws Exception {
        // weights 1000:1000 are 1:1, so the ring has 2 x 160 points and is fine
        assertViolations("""
            {"pools": [{"servers": [{"url": "http://127.0.0.1:1", "weight": 1000}, {"url": "http://127.0.0.1:2", "weight": 1000}],
              "loadBalance": {"policy": "consistentHash", "hashKey": {"header": "X"}}}]}
            """);
        assertViolations("""
            {"pools": [{"servers": [{"url": "http://127.0.0.1:1", "weight": 1000}, {"url": "http://127.0.0.1:2", "weight": 999}],
              "loadBalance": {"policy": "consistentHash", "hashKey": {"header": "X"}, "virtualNodes": 1000}}]}
            """, "$.pools[0].loadBalance.virtualNodes: the ring would have 1999000 points");
    }

    @Test
    public void topLevelRules() throws Exception {
        assertViolations("""
            {"pools": [{"servers": [{"url": "http://127.0.0.1:1"}]}],
             "connectTimeout": "5", "readTimeout": "0s", "hostHeader": "bad host"}
            """,
                "$.connectTimeout: '5' is not a duration",
                "$.readTimeout: must be between 10ms and 24h, found '0s'",
                "$.hostHeader: 'bad host' is neither preserve, upstream nor a valid Host value");
        assertViolations("""
            {"pools": [{"servers": [{"url": "http://127.0.0.1:1"}]}], "hostHeader": "api.example.com:8443"}
            """);
    }

    @Test
    public void timeoutsHaveBounds() throws Exception {
        // 999999999h overflowed Duration.toNanos in the data plane: every request on the route got 500
        assertViolations("""
            {"pools": [{"servers": [{"url": "http://127.0.0.1:1"}]}],
             "connectTimeout": "6m", "readTimeout": "999999999h"}
            """,
                "$.connectTimeout: must be between 10ms and 5m, found '6m'",
                "$.readTimeout: must be between 10ms and 24h, found '999999999h'");
        assertViolations("""
            {"pools": [{"servers": [{"url": "http://127.0.0.1:1"}]}],
             "connectTimeout": "9ms", "readTimeout": "99999999999999999999999999ms"}
            """,
                "$.connectTimeout: must be between 10ms and 5m, found '9ms'",
                "$.readTimeout: must be between 10ms and 24h, found '99999999999999999999999999ms'");
        assertViolations("""
            {"pools": [{"servers": [{"url": "http://127.0.0.1:1"}]}], "connectTimeout": "5m", "readTimeout": "24h"}
            """);
    }

    @Test
    public void bindingRejectsUnknownFieldsAndWrongTypes() {
        UnrecognizedPropertyException unknown = assertThrows(UnrecognizedPropertyException.class,
                () -> bind("{\"pools\": [{\"servers\": [{\"url\": \"http://127.0.0.1:1\", \"wieght\": 2}]}]}"));
        assertEquals("wieght", unknown.getPropertyName());
        assertTrue(unknown.getPathReference(), unknown.getPathReference().contains("servers"));
        MismatchedInputException wrongType = assertThrows(MismatchedInputException.class,
                () -> bind("{\"pools\": [{\"servers\": [{\"url\": \"http://127.0.0.1:1\", \"weight\": \"heavy\"}]}]}"));
        assertTrue(wrongType.getPathReference(), wrongType.getPathReference().contains("weight"));
    }
}
