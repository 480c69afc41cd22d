package io.gatehouse.admin.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.Test;

/** Bearer tokens on the admin API: 401 before anything else, roles, and tokens made and revoked through it. */
public class AuthApiTest extends AdminApiTestSupport {

    private HttpResponse<String> as(String token, HttpRequest.Builder request) throws Exception {
        return send(request.header("Authorization", "Bearer " + token));
    }

    private void assertUnauthorized(HttpResponse<String> r, String challenge) throws Exception {
        assertEquals(r.body(), 401, r.statusCode());
        assertEquals(challenge, r.headers().firstValue("WWW-Authenticate").orElse(null));
        JsonNode body = json(r);
        assertEquals("unauthorized", body.get("error").asText());
        assertEquals(401, body.get("status").asInt());
    }

    @Test
    public void withoutATokenEveryPathButHealthIs401() throws Exception {
        String challenge = "Bearer realm=\"gatehouse\"";
        assertUnauthorized(send(anonymous("/api/v1/objects").GET()), challenge);
        // the same answer for a path that does not exist and a method that is not allowed: no hint either way
        assertUnauthorized(send(anonymous("/api/v1/no-such-thing").GET()), challenge);
        assertUnauthorized(send(anonymous("/api/v1/health").DELETE()), challenge);
        assertUnauthorized(send(anonymous("/api/v1/apply").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(pipeline("p")))), challenge);
        assertEquals(0, service.list(null).size());
        HttpResponse<String> health = send(anonymous("/api/v1/health").GET());
        assertEquals(200, health.statusCode());
        assertEquals("without a token, health tells only that the node is up", "{\"status\":\"UP\"}", health.body());
        assertTrue(json(send(anonymous("/api/v1/health").header("Authorization", "Bearer not-a-valid-token-0123456789abcdef")
                .GET())).path("node").isMissingNode());
        assertTrue("with one, who answers and how it is", json(get("/api/v1/health")).has("node"));

        String invalid = "Bearer realm=\"gatehouse\", error=\"invalid_token\"";
        assertUnauthorized(as("gh_not-a-token-of-this-node-0123456789", anonymous("/api/v1/objects").GET()), invalid);
        assertUnauthorized(send(anonymous("/api/v1/objects").header("Authorization", "Basic a2FyYWY6a2FyYWY=")
                .GET()), invalid);
        assertUnauthorized(send(anonymous("/api/v1/objects").header("Authorization", "Bearer " + TOKEN)
                .header("Authorization", "Bearer " + TOKEN).GET()), invalid);
        assertEquals(200, send(anonymous("/api/v1/objects").header("Authorization", "bearer  " + TOKEN).GET())
                .statusCode());
    }

    @Test
    public void aReadTokenReadsAndCannotWrite() throws Exception {
        HttpResponse<String> made = write("POST", "/api/v1/tokens", "application/json",
                "{\"name\":\"dashboard\",\"role\":\"read\"}");
        assertEquals(made.body(), 201, made.statusCode());
        assertEquals("no-store", made.headers().firstValue("Cache-Control").orElse(null));
        String token = json(made).get("token").asText();
        assertTrue(token, token.startsWith("gh_") && token.length() >= 40);
        assertEquals("the store keeps the hash, not the token", AdminTokens.hash(token),
                service.get("ApiToken", "dashboard").orElseThrow().spec().get("sha256").asText());

        assertEquals(200, as(token, anonymous("/api/v1/objects").GET()).statusCode());
        HttpResponse<String> refused = as(token, anonymous("/api/v1/apply").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(pipeline("p"))));
        assertEquals(refused.body(), 403, refused.statusCode());
        assertEquals("forbidden", json(refused).get("error").asText());
        assertTrue(refused.body(), json(refused).get("message").asText().contains("'dashboard' has the read role"));
        assertEquals(403, as(token, anonymous("/api/v1/tokens/dashboard").DELETE()).statusCode());
        assertTrue(service.get("Pipeline", "p").isEmpty());

        JsonNode listed = json(get("/api/v1/tokens"));
        assertEquals(listed.toString(), 2, listed.size());
        assertEquals("bootstrap", listed.get(0).get("name").asText());
        assertEquals("node", listed.get(0).get("scope").asText());
        assertEquals("dashboard", listed.get(1).get("name").asText());
        assertEquals("read", listed.get(1).get("role").asText());
        assertFalse("the hash is never shown", listed.toString().contains(AdminTokens.hash(token)));
    }

    @Test
    public void anAdminTokenWritesAndARevokedOneIsRefused() throws Exception {
        String token = json(write("POST", "/api/v1/tokens", YAML, "name: deploy\nrole: admin\n")).get("token").asText();
        HttpResponse<String> applied = as(token, anonymous("/api/v1/apply").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(pipeline("p"))));
        assertEquals(applied.body(), 200, applied.statusCode());
        assertEquals(409, write("POST", "/api/v1/tokens", "application/json",
                "{\"name\":\"deploy\",\"role\":\"read\"}").statusCode());

        assertEquals(204, delete("/api/v1/tokens/deploy").statusCode());
        assertUnauthorized(as(token, anonymous("/api/v1/objects").GET()),
                "Bearer realm=\"gatehouse\", error=\"invalid_token\"");
        assertEquals(404, delete("/api/v1/tokens/deploy").statusCode());
        HttpResponse<String> bootstrap = delete("/api/v1/tokens/bootstrap");
        assertEquals(bootstrap.body(), 409, bootstrap.statusCode());
    }

    /** Every write, accepted or refused, is a line of the audit log: who, what, the outcome; never a token. */
    @Test
    public void writesAreAuditedWithTheTokensNameNeverTheToken() throws Exception {
        List<String> lines = new CopyOnWriteArrayList<>();
        server.audit(lines::add);
        String token = json(write("POST", "/api/v1/tokens", "application/json",
                "{\"name\":\"deploy\",\"role\":\"admin\"}")).get("token").asText();
        as(token, anonymous("/api/v1/apply?timeout=5s").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(pipeline("p"))));
        send(anonymous("/api/v1/objects/Pipeline/p").DELETE());
        get("/api/v1/objects");
        HttpResponse<String> refused = as(token, anonymous("/api/v1/objects/Pipeline/nope").DELETE());
        assertEquals(refused.body(), 404, refused.statusCode());
        assertEquals("a refusal without a token is not audited, one with a token is: " + lines, 3, lines.size());
        assertFalse("the made token is not in the audit log", String.join("\n", lines).contains(token));
        JsonNode made = json.readTree(lines.get(0));
        assertEquals("bootstrap", made.get("token").asText());
        assertEquals("POST", made.get("method").asText());
        assertEquals("/api/v1/tokens", made.get("target").asText());
        assertEquals(201, made.get("status").asInt());
        assertEquals("deploy", made.at("/objects/0/name").asText());
        assertEquals("admin", made.at("/objects/0/role").asText());
        JsonNode applied = json.readTree(lines.get(1));
        assertEquals("deploy", applied.get("token").asText());
        assertEquals("127.0.0.1", applied.get("client").asText());
        assertEquals("/api/v1/apply?timeout=5s", applied.get("target").asText());
        assertEquals("Pipeline", applied.at("/objects/0/kind").asText());
        assertEquals("created", applied.at("/objects/0/change").asText());
        assertTrue(applied.toString(), applied.at("/objects/0/revision").asLong() > 0);
        JsonNode notFound = json.readTree(lines.get(2));
        assertEquals("deploy", notFound.get("token").asText());
        assertEquals(404, notFound.get("status").asInt());
        assertEquals("not_found", notFound.get("error").asText());
    }

    /** A retried token request (same Idempotency-Key) does not answer a token that was never stored. */
    @Test
    public void aRetriedTokenRequestIsRefusedRatherThanAnsweredWithAnotherToken() throws Exception {
        HttpRequest.Builder made = request("/api/v1/tokens").header("Content-Type", "application/json")
                .header("Idempotency-Key", "make-ci-1")
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"ci\",\"role\":\"read\"}"));
        HttpResponse<String> first = send(made);
        assertEquals(first.body(), 201, first.statusCode());
        HttpResponse<String> retry = send(request("/api/v1/tokens").header("Content-Type", "application/json")
                .header("Idempotency-Key", "make-ci-1")
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"ci\",\"role\":\"read\"}")));
        assertEquals(retry.body(), 409, retry.statusCode());
        assertEquals(200, as(json(first).get("token").asText(), anonymous("/api/v1/objects").GET()).statusCode());
    }

    @Test
    public void badTokenRequestsNameTheirFields() throws Exception {
        HttpResponse<String> r = write("POST", "/api/v1/tokens", "application/json",
                "{\"name\":\"bad name\",\"role\":\"root\",\"token\":\"mine\"}");
        assertEquals(r.body(), 400, r.statusCode());
        JsonNode violations = json(r).get("violations");
        assertEquals(r.body(), 3, violations.size());
        assertEquals("$.token", violations.get(0).get("path").asText());
        assertEquals("$.name", violations.get(1).get("path").asText());
        assertEquals("$.role", violations.get(2).get("path").asText());
        assertEquals(400, write("POST", "/api/v1/tokens", "application/json", "{\"name\":\"bootstrap\",\"role\":\"read\"}")
                .statusCode());
        assertEquals(400, write("POST", "/api/v1/tokens", "application/json", "[1]").statusCode());
        assertEquals(400, write("POST", "/api/v1/tokens", "application/json", "{\"name\":").statusCode());
        assertTrue(service.list("ApiToken").isEmpty());
    }

    @Test
    public void theObjectsApiLeavesTokensToTheTokensApi() throws Exception {
        write("POST", "/api/v1/tokens", "application/json", "{\"name\":\"ci\",\"role\":\"read\"}");
        JsonNode all = json(get("/api/v1/objects"));
        assertEquals(all.toString(), 0, all.size());
        assertEquals(400, get("/api/v1/objects?kind=ApiToken").statusCode());
        assertEquals(400, get("/api/v1/objects/ApiToken/ci").statusCode());
        assertEquals(400, delete("/api/v1/objects/ApiToken/ci").statusCode());
        HttpResponse<String> r = write("POST", "/api/v1/apply", "application/json", "[" + pipeline("p")
                + ",{\"kind\":\"ApiToken\",\"name\":\"mine\",\"spec\":{\"role\":\"admin\",\"sha256\":\""
                + TOKEN_SHA256 + "\"}}]");
        assertEquals(r.body(), 400, r.statusCode());
        assertEquals("$[1].kind", json(r).get("violations").get(0).get("path").asText());
        assertTrue(service.get("Pipeline", "p").isEmpty());
        assertTrue(service.get("ApiToken", "mine").isEmpty());
    }
}
