package io.gatehouse.admin.internal;

import static org.awaitility.Awaitility.await;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.gatehouse.api.config.ConfigException;
import io.gatehouse.api.config.DeleteRequest;
import io.gatehouse.api.config.WriteMode;
import io.gatehouse.api.config.WriteRequest;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.Test;

/** Writes with a deadline, an Idempotency-Key and a group; 503 and 504 as JSON; no Jetty thread waits. */
public class WritesApiTest extends AdminApiTestSupport {

    private HttpResponse<String> post(String path, String key, String body) throws Exception {
        HttpRequest.Builder b = request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            b.header("Idempotency-Key", key);
        }
        return send(b);
    }

    private JsonNode error(HttpResponse<String> r, int status, String code) throws Exception {
        assertEquals(r.body(), status, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElseThrow().startsWith("application/json"));
        JsonNode body = json(r);
        assertEquals(status, body.get("status").asInt());
        assertEquals(code, body.get("error").asText());
        return body;
    }

    @Test
    public void theIdempotencyKeyIsTheRequestIdAndARetryGetsTheFirstAnswer() throws Exception {
        HttpResponse<String> first = post("/api/v1/objects", "key-1:a.b_c", pipeline("p"));
        assertEquals(201, first.statusCode());
        HttpResponse<String> retry = post("/api/v1/objects", "key-1:a.b_c", pipeline("p"));
        assertEquals("a retried create is answered, not refused with 409", 201, retry.statusCode());
        assertEquals(json(first).get(0).get("revision"), json(retry).get(0).get("revision"));
        WriteRequest seen = (WriteRequest) service.submitted.get(0);
        assertEquals("key-1:a.b_c", seen.requestId());
        assertEquals(WriteMode.CREATE, seen.mode());
        assertEquals("the default deadline", Duration.ofSeconds(10), seen.timeout());
        assertEquals(null, seen.group());

        assertEquals(201, post("/api/v1/objects", null, pipeline("q")).statusCode());
        assertEquals("no key: the core makes one up", null, ((WriteRequest) service.submitted.get(2)).requestId());
    }

    @Test
    public void aBadIdempotencyKeyIs400NamingTheHeader() throws Exception {
        for (String key : new String[] {"has space", "x".repeat(129), "é"}) {
            JsonNode e = error(post("/api/v1/apply", key, pipeline("p")), 400, "invalid");
            assertTrue(e.get("message").asText(), e.get("message").asText().contains("Idempotency-Key"));
        }
        HttpResponse<String> two = send(request("/api/v1/apply").header("Content-Type", "application/json")
                .header("Idempotency-Key", "a").header("Idempotency-Key", "b")
                .POST(HttpRequest.BodyPublishers.ofString(pipeline("p"))));
        assertTrue(error(two, 400, "invalid").get("message").asText().contains("2 Idempotency-Key headers"));
        assertTrue(service.submitted.isEmpty());
    }

    @Test
    public void timeoutAndGroupArePassedAndChecked() throws Exception {
        assertEquals(200, send(request("/api/v1/objects/Pipeline/p?timeout=250ms&group=edge-1")
                .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(pipeline("p"))))
                .statusCode());
        WriteRequest put = (WriteRequest) service.submitted.get(0);
        assertEquals(Duration.ofMillis(250), put.timeout());
        assertEquals("edge-1", put.group());
        assertEquals(WriteMode.APPLY, put.mode());

        assertEquals(204, send(request("/api/v1/objects/Pipeline/p?timeout=2s").header("Idempotency-Key", "d1")
                .DELETE()).statusCode());
        DeleteRequest delete = (DeleteRequest) service.submitted.get(1);
        assertEquals("d1", delete.requestId());
        assertEquals(Duration.ofSeconds(2), delete.timeout());

        JsonNode longer = error(post("/api/v1/apply?timeout=10m", null, pipeline("p")), 400, "invalid");
        assertEquals("query parameter 'timeout': must be between 100ms and 1m, found '10m'",
                longer.get("message").asText());
        error(post("/api/v1/apply?timeout=soon", null, pipeline("p")), 400, "invalid");
        JsonNode group = error(post("/api/v1/apply?group=no/such", null, pipeline("p")), 400, "invalid");
        assertTrue(group.get("message").asText().contains("'group'"));
        assertEquals(2, service.submitted.size());
    }

    @Test
    public void aWriteThatCannotBeCommittedIs503WithTheReason() throws Exception {
        service.refuseSubmits = new ConfigException(503, ConfigException.UNAVAILABLE,
                "the write cannot be committed now (no majority): 1 of 3 voters reachable", List.of());
        JsonNode e = error(post("/api/v1/apply", null, pipeline("p")), 503, "unavailable");
        assertEquals("the write cannot be committed now (no majority): 1 of 3 voters reachable",
                e.get("message").asText());
        error(send(request("/api/v1/objects/Pipeline/p").DELETE()), 503, "unavailable");
    }

    @Test
    public void stalledWritesAre504AndHoldNoJettyThread() throws Exception {
        server.stop();
        server = new AdminServer(service, settings(0, "16KiB", 4), NodeIdentity.load(NodeIdentity.karafDirectory()),
                TOKEN_SHA256);
        service.stall = true;
        // more stalled writes than the server has threads (4, acceptor and selector included): if each held a
        // thread, health could not answer; the connection limit (8) leaves room for the health request
        List<CompletableFuture<HttpResponse<String>>> stalled = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            stalled.add(CLIENT.sendAsync(request("/api/v1/apply?timeout=5s").header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(pipeline("p" + i))).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> service.submitted.size() == 6);
        assertEquals(200, get("/api/v1/health").statusCode());
        assertTrue("health answered while the 6 writes waited", stalled.stream().noneMatch(CompletableFuture::isDone));
        for (CompletableFuture<HttpResponse<String>> f : stalled) {
            JsonNode e = error(f.get(20, TimeUnit.SECONDS), 504, "timeout");
            assertEquals("not committed within 5s; the write may still commit: retry with the same Idempotency-Key",
                    e.get("message").asText());
        }
    }
}
