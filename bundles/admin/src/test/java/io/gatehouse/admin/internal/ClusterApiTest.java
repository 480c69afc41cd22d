package io.gatehouse.admin.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gatehouse.api.cluster.ClusterStatus;
import io.gatehouse.api.cluster.Consensus;
import io.gatehouse.api.cluster.MemberState;
import io.gatehouse.api.cluster.MemberStatus;
import io.gatehouse.api.cluster.Role;
import io.gatehouse.api.config.ConfigObject;
import io.gatehouse.api.config.ConfigService;
import io.gatehouse.api.log.Change;
import io.gatehouse.api.log.LogEntry;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.Before;
import org.junit.Test;

/** {@code GET /api/v1/cluster} and the cluster fields of health, with and without a cluster service. */
public class ClusterApiTest extends AdminApiTestSupport {

    /** A cluster service that only answers {@link #status()}; the status is set by the test. */
    static final class FakeConsensus implements Consensus {
        volatile ClusterStatus status;
        volatile RuntimeException failure;

        @Override
        public ClusterStatus status() {
            if (failure != null) {
                throw failure;
            }
            return status;
        }

        @Override
        public CompletableFuture<LogEntry> commit(String requestId, List<Change> changes, Duration timeout) {
            return CompletableFuture.failedFuture(new UnsupportedOperationException("not in these tests"));
        }

        @Override
        public CompletableFuture<byte[]> forward(String group, byte[] request, Duration timeout) {
            return CompletableFuture.failedFuture(new UnsupportedOperationException("not in these tests"));
        }
    }

    private final FakeConsensus consensus = new FakeConsensus();
    /** What DS has bound (null: no cluster service). */
    private volatile Consensus bound;

    /** A standalone node's server whose cluster service is {@link #bound}. */
    @Before
    public void bindable() {
        restart(true);
    }

    private void restart(boolean standalone) {
        server.stop();
        server = new AdminServer(service, settings(0, "16KiB", 8), NodeIdentity.load(NodeIdentity.karafDirectory()),
                () -> bound, standalone, TOKEN_SHA256);
    }

    private static ClusterStatus threeVoters(String leader, boolean stale, String reason) {
        return new ClusterStatus("shop", "b", "eu", Role.VOTER, leader, 4, 12, stale, reason, List.of(
                new MemberStatus("a", "eu", Role.VOTER, "10.0.0.1:5701", MemberState.ALIVE, 12, 150),
                new MemberStatus("b", "eu", Role.VOTER, "10.0.0.2:5701", MemberState.ALIVE, 11, 0),
                new MemberStatus("c", "eu", Role.VOTER, "10.0.0.3:5701", MemberState.SUSPECT, 9, 700),
                new MemberStatus("d", "eu", Role.OBSERVER, "10.0.0.4:5701", MemberState.LEFT, -1, 5000)));
    }

    @Test
    public void withAClusterServiceTheViewIsItsStatusWithThisNodesAppliedIndex() throws Exception {
        restart(false);
        write("POST", "/api/v1/objects", "application/json", pipeline("p"));
        consensus.status = threeVoters("a", false, "");
        bound = consensus;

        HttpResponse<String> answer = get("/api/v1/cluster");
        assertEquals(200, answer.statusCode());
        JsonNode c = json(answer);
        assertEquals("cluster", c.get("mode").asText());
        assertEquals("shop", c.get("cluster").asText());
        assertEquals("b", c.get("node").asText());
        assertEquals("eu", c.get("group").asText());
        assertEquals("voter", c.get("role").asText());
        assertEquals("a", c.get("leader").asText());
        assertEquals(4, c.get("epoch").asLong());
        assertEquals(12, c.get("commitIndex").asLong());
        assertEquals(1, c.get("appliedIndex").asLong());
        assertFalse(c.get("stale").asBoolean());
        assertTrue(c.get("reason").isNull());
        assertEquals(4, c.get("members").size());
        assertEquals("{\"name\":\"c\",\"group\":\"eu\",\"role\":\"voter\",\"address\":\"10.0.0.3:5701\","
                + "\"state\":\"suspect\",\"appliedIndex\":9,\"lastSeenMillis\":700}", c.get("members").get(2).toString());
        assertEquals("observer", c.at("/members/3/role").asText());
        assertEquals("left", c.at("/members/3/state").asText());

        JsonNode health = json(get("/api/v1/health"));
        assertEquals("voter", health.get("role").asText());
        assertEquals("a", health.get("leader").asText());
        assertFalse(health.get("stale").asBoolean());
    }

    @Test
    public void aStaleNodeWithoutLeaderSaysWhy() throws Exception {
        consensus.status = threeVoters(null, true, "no leader: 1 of 3 voters reachable");
        bound = consensus;
        JsonNode c = json(get("/api/v1/cluster"));
        assertTrue(c.get("leader").isNull());
        assertTrue(c.get("stale").asBoolean());
        assertEquals("no leader: 1 of 3 voters reachable", c.get("reason").asText());

        JsonNode health = json(get("/api/v1/health"));
        assertEquals("UP", health.get("status").asText());
        assertTrue(health.get("leader").isNull());
        assertTrue(health.get("stale").asBoolean());
    }

    @Test
    public void theClusterServiceCanComeAndGoWhileTheServerRuns() throws Exception {
        restart(false);
        assertEquals(503, get("/api/v1/cluster").statusCode());
        consensus.status = threeVoters("b", false, "");
        bound = consensus;
        assertEquals("b", json(get("/api/v1/cluster")).get("leader").asText());
        bound = null;
        assertEquals(503, get("/api/v1/cluster").statusCode());
    }

    @Test
    public void aStandaloneNodeIsAOneNodeGroupThatLeadsItself() throws Exception {
        write("POST", "/api/v1/objects", "application/json", pipeline("p"));
        HttpResponse<String> answer = get("/api/v1/cluster");
        assertEquals(200, answer.statusCode());
        assertEquals("{\"mode\":\"standalone\",\"cluster\":null,\"node\":\"standalone\",\"group\":\"default\","
                + "\"role\":\"voter\",\"leader\":\"standalone\",\"epoch\":null,\"commitIndex\":1,\"appliedIndex\":1,"
                + "\"stale\":false,\"reason\":null,\"members\":[]}", answer.body());

        JsonNode health = json(get("/api/v1/health"));
        assertTrue("no cluster fields in a standalone node's health", health.path("role").isMissingNode());
        assertTrue(health.path("stale").isMissingNode());
    }

    @Test
    public void withoutTheClusterServiceANonStandaloneNodeIs503AndStale() throws Exception {
        restart(false);
        write("POST", "/api/v1/objects", "application/json", pipeline("p"));
        HttpResponse<String> answer = get("/api/v1/cluster");
        assertEquals(503, answer.statusCode());
        JsonNode e = json(answer);
        assertEquals("unavailable", e.get("error").asText());
        assertEquals("this node's cluster service is not running; it serves its last applied configuration "
                + "(index 1)", e.get("message").asText());
        assertTrue(e.get("stale").asBoolean());
        assertEquals(1, e.get("appliedIndex").asLong());
        assertEquals("[]", e.get("violations").toString());

        JsonNode health = json(get("/api/v1/health"));
        assertEquals(200, get("/api/v1/health").statusCode());
        assertTrue(health.get("stale").asBoolean());
    }

    @Test
    public void aClusterStatusThatCannotBeReadIs503() throws Exception {
        consensus.failure = new IllegalStateException("the member is shutting down");
        bound = consensus;
        HttpResponse<String> answer = get("/api/v1/cluster");
        assertEquals(503, answer.statusCode());
        JsonNode e = json(answer);
        assertEquals("the cluster status cannot be read: the member is shutting down", e.get("message").asText());
        assertTrue(e.get("stale").asBoolean());
        JsonNode health = json(get("/api/v1/health"));
        assertEquals("UP", health.get("status").asText());
        assertTrue(health.get("stale").asBoolean());
        assertTrue(health.get("leader").isNull());
    }

    @Test
    public void theViewIsReadOnlyAndTakesNoQuery() throws Exception {
        assertEquals(405, send(request("/api/v1/cluster").DELETE()).statusCode());
        assertEquals(400, get("/api/v1/cluster?group=eu").statusCode());
    }

    @Test
    public void theYamlViewHasTheSameFields() throws Exception {
        consensus.status = threeVoters("a", false, "");
        bound = consensus;
        HttpResponse<String> answer = get("/api/v1/cluster", YAML);
        assertTrue(answer.headers().firstValue("Content-Type").orElse(""), answer.headers()
                .firstValue("Content-Type").orElse("").startsWith("application/yaml"));
        assertTrue(answer.body(), answer.body().contains("leader: a\n"));
        assertTrue(answer.body(), answer.body().contains("state: suspect\n"));
    }

    @Test
    public void healthShowsTheCommitIndexOfTheConfigService() throws Exception {
        write("POST", "/api/v1/objects", "application/json", pipeline("p"));
        service.commitIndex = 5L;
        JsonNode health = json(get("/api/v1/health"));
        assertEquals(1, health.get("appliedIndex").asLong());
        assertEquals(5, health.get("commitIndex").asLong());
        service.commitIndex = -1L;
        assertTrue(json(get("/api/v1/health")).get("commitIndex").isNull());
    }

    @Test
    public void theCoresStandaloneSettingIsReadFromItsServiceProperty() throws Exception {
        // outside Karaf the production constructor has no bootstrap token: a token of the configuration opens it
        service.apply(List.of(new ConfigObject("ApiToken", "ops", (ObjectNode) json.readTree(
                "{\"role\":\"read\",\"sha256\":\"" + TOKEN_SHA256 + "\"}"), 0)));
        server.stop();
        server = new AdminServer(Map.<Map<String, ?>, ConfigService>entry(
                Map.of("standalone", "false"), service), settings(0, "16KiB", 8));
        assertEquals(503, get("/api/v1/cluster").statusCode());
        server.stop();
        server = new AdminServer(registered(service), settings(0, "16KiB", 8));
        assertEquals(200, get("/api/v1/cluster").statusCode());

        assertTrue(AdminServer.standalone(null));
        assertTrue(AdminServer.standalone("true"));
        assertTrue(AdminServer.standalone(Boolean.TRUE));
        assertFalse(AdminServer.standalone("false"));
        assertFalse(AdminServer.standalone(" FALSE "));
        assertFalse(AdminServer.standalone(Boolean.FALSE));
    }
}
