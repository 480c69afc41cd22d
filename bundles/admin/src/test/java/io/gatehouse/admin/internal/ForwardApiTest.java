package io.gatehouse.admin.internal;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.gatehouse.api.cluster.ClusterStatus;
import io.gatehouse.api.cluster.Consensus;
import io.gatehouse.api.cluster.ConsensusException;
import io.gatehouse.api.cluster.ConsensusException.Reason;
import io.gatehouse.api.cluster.GroupAuthenticator;
import io.gatehouse.api.cluster.Role;
import io.gatehouse.api.log.Change;
import io.gatehouse.api.log.LogEntry;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.Before;
import org.junit.Test;

/**
 * {@code POST /api/v1/internal/forward}: 401 unsigned, 403 when the authenticator refuses, 421 for another group,
 * 503 without a cluster service; an accepted write goes to {@link Consensus#forward} for this node's group with
 * its bytes untouched, and the answer comes back as is, or as the refusal with its reason and leader. Also: the
 * answer of a write sent here for another group does not show this node's statuses.
 */
public class ForwardApiTest extends AdminApiTestSupport {
    private static final String GOOD = "c2lnbmF0dXJlLW9mLXRoZS1yZXF1ZXN0LW9rLW9rLW9r";
    private static final byte[] WRITE = "{\"requestId\":\"r1\",\"mode\":\"APPLY\",\"objects\":[]}"
            .getBytes(StandardCharsets.UTF_8);

    /** One forward call the endpoint made. */
    private record Forwarded(String group, byte[] request, Duration timeout) {
    }

    /** A cluster service of group {@code eu} whose forward answers what the test sets. */
    private static final class FakeConsensus implements Consensus {
        final List<Forwarded> forwarded = new CopyOnWriteArrayList<>();
        volatile CompletableFuture<byte[]> answer = CompletableFuture.completedFuture(new byte[0]);

        @Override
        public ClusterStatus status() {
            return new ClusterStatus("shop", "b", "eu", Role.VOTER, "a", 4, 12, false, "", List.of());
        }

        @Override
        public CompletableFuture<LogEntry> commit(String requestId, List<Change> changes, Duration timeout) {
            return CompletableFuture.failedFuture(new UnsupportedOperationException("not in these tests"));
        }

        @Override
        public CompletableFuture<byte[]> forward(String group, byte[] request, Duration timeout) {
            forwarded.add(new Forwarded(group, request, timeout));
            return answer;
        }
    }

    /** Accepts the signature {@link #GOOD} and records what it was asked. */
    private static final class FakeAuthenticator implements GroupAuthenticator {
        final List<String> asked = new CopyOnWriteArrayList<>();

        @Override
        public Verdict verify(String method, String target, byte[] body, String node, String timestamp,
                              String signature) {
            asked.add(method + " " + target + " " + node + " " + timestamp + " " + body.length);
            return GOOD.equals(signature) ? Verdict.accept() : Verdict.refuse("wrong signature: test");
        }
    }

    private final FakeConsensus consensus = new FakeConsensus();
    private final FakeAuthenticator authenticator = new FakeAuthenticator();
    private volatile Consensus boundConsensus;
    private volatile GroupAuthenticator boundAuthenticator;

    @Before
    public void withClusterServices() {
        server.stop();
        boundConsensus = consensus;
        boundAuthenticator = authenticator;
        server = new AdminServer(service, settings(0, "16KiB", 8), NodeIdentity.load(NodeIdentity.karafDirectory()),
                () -> boundConsensus, () -> boundAuthenticator, false, TOKEN_SHA256);
    }

    private HttpResponse<String> forward(String query, String signature) throws Exception {
        HttpRequest.Builder b = request(GroupAuthenticator.FORWARD_PATH + query)
                .header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(WRITE));
        if (signature != null) {
            b.header(GroupAuthenticator.NODE_HEADER, "us1").header(GroupAuthenticator.TIMESTAMP_HEADER, "1700000000000")
                    .header(GroupAuthenticator.SIGNATURE_HEADER, signature);
        }
        return send(b);
    }

    private JsonNode error(HttpResponse<String> r, int status, String code) throws Exception {
        assertEquals(r.body(), status, r.statusCode());
        JsonNode body = json(r);
        assertEquals(status, body.path("status").asInt());
        assertEquals(code, body.path("error").asText());
        return body;
    }

    @Test
    public void anAcceptedWriteGoesToThisGroupsLeaderUntouchedAndItsAnswerComesBackAsIs() throws Exception {
        byte[] answer = "{\"index\":9,\"objects\":[]}".getBytes(StandardCharsets.UTF_8);
        consensus.answer = CompletableFuture.completedFuture(answer);
        HttpResponse<byte[]> r = CLIENT.send(request(GroupAuthenticator.FORWARD_PATH + "?group=eu&timeout=1500ms")
                .header(GroupAuthenticator.NODE_HEADER, "us1").header(GroupAuthenticator.TIMESTAMP_HEADER, "17")
                .header(GroupAuthenticator.SIGNATURE_HEADER, GOOD)
                .POST(HttpRequest.BodyPublishers.ofByteArray(WRITE)).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, r.statusCode());
        assertArrayEquals(answer, r.body());
        assertEquals(List.of("POST " + GroupAuthenticator.FORWARD_PATH + "?group=eu&timeout=1500ms us1 17 "
                + WRITE.length), authenticator.asked);
        Forwarded f = consensus.forwarded.get(0);
        assertNull("this node's own group: the normal path", f.group());
        assertArrayEquals(WRITE, f.request());
        assertEquals(Duration.ofMillis(1500), f.timeout());
    }

    /** Another group's node reads this group's statistics with a signed GET instead of a token; it only reads. */
    @Test
    public void aSignedGetReadsAndNothingElseIsTakenSigned() throws Exception {
        HttpResponse<String> r = send(anonymous("/api/v1/objects?kind=Pipeline")
                .header(GroupAuthenticator.NODE_HEADER, "us1").header(GroupAuthenticator.TIMESTAMP_HEADER, "17")
                .header(GroupAuthenticator.SIGNATURE_HEADER, GOOD).GET());
        assertEquals(r.body(), 200, r.statusCode());
        assertEquals(List.of("GET /api/v1/objects?kind=Pipeline us1 17 0"), authenticator.asked);

        error(send(anonymous("/api/v1/objects").header(GroupAuthenticator.NODE_HEADER, "us1")
                .header(GroupAuthenticator.TIMESTAMP_HEADER, "17")
                .header(GroupAuthenticator.SIGNATURE_HEADER, "d3JvbmctZDN2aWNlLXNpZ25hdHVyZS13cm9uZy13cm9u").GET()),
                401, "unauthorized");
        HttpResponse<String> write = send(anonymous("/api/v1/apply").header("Content-Type", "application/json")
                .header(GroupAuthenticator.NODE_HEADER, "us1").header(GroupAuthenticator.TIMESTAMP_HEADER, "17")
                .header(GroupAuthenticator.SIGNATURE_HEADER, GOOD)
                .POST(HttpRequest.BodyPublishers.ofString(pipeline("p"))));
        assertTrue(write.body(), error(write, 401, "unauthorized").path("message").asText().contains("POST is not"));
        assertTrue(service.get("Pipeline", "p").isEmpty());

        boundAuthenticator = null;
        error(send(anonymous("/api/v1/objects").header(GroupAuthenticator.NODE_HEADER, "us1")
                .header(GroupAuthenticator.TIMESTAMP_HEADER, "17").header(GroupAuthenticator.SIGNATURE_HEADER, GOOD)
                .GET()), 401, "unauthorized");
    }

    @Test
    public void refusalsOfThisGroupComeBackWithTheirReasonAndLeader() throws Exception {
        consensus.answer = CompletableFuture.failedFuture(new ConsensusException(Reason.NO_MAJORITY,
                "1 of 3 voters reachable", "a"));
        JsonNode e = error(forward("?group=eu&timeout=2s", GOOD), 503, "unavailable");
        assertEquals("NO_MAJORITY", e.path("reason").asText());
        assertEquals("a", e.path("leader").asText());
        assertEquals("1 of 3 voters reachable", e.path("message").asText());

        consensus.answer = CompletableFuture.failedFuture(new ConsensusException(Reason.TIMEOUT, "no outcome in time",
                (Throwable) null));
        e = error(forward("?group=eu&timeout=2s", GOOD), 504, "timeout");
        assertEquals("TIMEOUT", e.path("reason").asText());
        assertTrue(e.path("leader").isNull());

        consensus.answer = new CompletableFuture<>();
        long t0 = System.nanoTime();
        e = error(forward("?group=eu&timeout=200ms", GOOD), 504, "timeout");
        assertTrue("answered shortly after the deadline", System.nanoTime() - t0 < 5_000_000_000L);
        assertEquals("TIMEOUT", e.path("reason").asText());
        assertFalse("the cluster service's future is not completed by the endpoint", consensus.answer.isDone());
    }

    @Test
    public void unsignedRequestsAre401AndRefusedSignatures403AndNothingIsForwarded() throws Exception {
        HttpResponse<String> unsigned = forward("?group=eu&timeout=2s", null);
        JsonNode e = error(unsigned, 401, "unauthorized");
        assertTrue(e.path("message").asText(), e.path("message").asText().contains(GroupAuthenticator.SIGNATURE_HEADER));
        assertEquals("Gatehouse-HMAC", unsigned.headers().firstValue("WWW-Authenticate").orElse(""));
        error(forward("?group=eu&timeout=2s", "not base64!"), 401, "unauthorized");
        assertTrue("malformed headers are not even checked", authenticator.asked.isEmpty());

        e = error(forward("?group=eu&timeout=2s", GOOD.replace('c', 'd')), 403, "forbidden");
        assertEquals("refused: wrong signature: test", e.path("message").asText());
        assertTrue(consensus.forwarded.isEmpty());
    }

    @Test
    public void aWriteForAnotherGroupIs421AndParametersAreRequired() throws Exception {
        JsonNode e = error(forward("?group=us&timeout=2s", GOOD), 421, "misdirected");
        assertEquals("this node (b) is in group 'eu', not 'us': check groups.us on us1", e.path("message").asText());
        error(forward("?timeout=2s", GOOD), 400, "invalid");
        error(forward("?group=eu", GOOD), 400, "invalid");
        error(forward("?group=eu&timeout=3m", GOOD), 400, "invalid");
        error(forward("?group=eu&timeout=2s&x=1", GOOD), 400, "invalid");
        assertTrue(consensus.forwarded.isEmpty());
    }

    @Test
    public void withoutTheClusterServiceTheAnswerIs503Stopped() throws Exception {
        boundAuthenticator = null;
        JsonNode e = error(forward("?group=eu&timeout=2s", GOOD), 503, "unavailable");
        assertEquals("STOPPED", e.path("reason").asText());
        boundAuthenticator = authenticator;
        boundConsensus = null;
        assertEquals("STOPPED", error(forward("?group=eu&timeout=2s", GOOD), 503, "unavailable").path("reason").asText());
        assertTrue(consensus.forwarded.isEmpty());
    }

    @Test
    public void theAnswerToAWriteForAnotherGroupDoesNotShowThisNodesStatuses() throws Exception {
        HttpResponse<String> own = write("POST", "/api/v1/apply?group=eu", "application/json", pipeline("p"));
        assertEquals(own.body(), 200, own.statusCode());
        assertTrue(own.body(), json(own).get(0).path("status").path("ready").asBoolean());

        HttpResponse<String> other = write("POST", "/api/v1/apply?group=us", "application/json", pipeline("p"));
        assertEquals(other.body(), 200, other.statusCode());
        JsonNode status = json(other).get(0).path("status");
        assertFalse(status.path("ready").asBoolean(true));
        assertEquals("group 'us' serves it, not this node (group 'eu'): read its status from a node of group 'us'",
                status.path("reason").asText());
    }
}
