package io.gatehouse.admin.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.Test;

/** Health, kinds, the HTTP-level errors (404/405/413/415/431/500) and the server's own lifecycle. */
public class ErrorsAndStatusApiTest extends AdminApiTestSupport {

    @Test
    public void healthReportsIndexObjectsAndPluginKinds() throws Exception {
        write("POST", "/api/v1/objects", "application/json", pipeline("p"));
        HttpResponse<String> health = get("/api/v1/health");
        assertEquals(200, health.statusCode());
        JsonNode body = json(health);
        assertEquals("UP", body.get("status").asText());
        assertEquals(1, body.get("appliedIndex").asLong());
        assertEquals(1, body.get("commitIndex").asLong());
        assertEquals(1, body.get("objects").asInt());
        assertEquals("[\"mock\",\"proxy\"]", body.get("pluginKinds").toString());
        assertEquals("[]", body.get("notReady").toString());
    }

    @Test
    public void healthSaysWhichNodeAnswers() throws Exception {
        JsonNode node = json(get("/api/v1/health")).get("node");
        assertEquals(ProcessHandle.current().pid(), node.get("pid").asLong());
        assertEquals(node.get("id").asText(), UUID.fromString(node.get("id").asText()).toString());
        assertTrue(node.get("startedAt").asText(), Instant.parse(node.get("startedAt").asText()).isBefore(Instant.now()));
        assertTrue("no launch id was given", node.path("launchId").isMissingNode());

        server.stop();
        NodeIdentity launched = new NodeIdentity("8a7e3c52-1d7e-4b8e-9f11-2f4d0c6a9b10", true, 4242,
                Instant.parse("2025-01-02T03:04:05Z"), "launch-1");
        server = new AdminServer(service, settings(0, "16KiB", 8), launched, TOKEN_SHA256);
        assertEquals("{\"id\":\"8a7e3c52-1d7e-4b8e-9f11-2f4d0c6a9b10\",\"pid\":4242,\"launchId\":\"launch-1\","
                + "\"startedAt\":\"2025-01-02T03:04:05Z\"}", json(get("/api/v1/health")).get("node").toString());
    }

    @Test
    public void healthStaysUpAndListsObjectsThatAreNotReady() throws Exception {
        String late = "{\"kind\":\"Pipeline\",\"name\":\"late\",\"spec\":{\"plugins\":[{\"name\":\"a\","
                + "\"kind\":\"auth\"}]}}";
        write("POST", "/api/v1/apply", "application/json", "[" + late + "," + pipeline("p") + ","
                + server("s", 10080, "p") + "," + server("t", 10081, "late") + "]");
        service.unbound.put("t", "not bound: 127.0.0.1:10081: Address already in use");
        HttpResponse<String> health = get("/api/v1/health");
        assertEquals(200, health.statusCode());
        JsonNode body = json(health);
        assertEquals("UP", body.get("status").asText());
        assertEquals(4, body.get("objects").asInt());
        assertEquals("[{\"kind\":\"HTTPServer\",\"name\":\"t\",\"reason\":\"not bound: 127.0.0.1:10081: Address "
                + "already in use\"},{\"kind\":\"Pipeline\",\"name\":\"late\",\"reason\":\"plugin kind 'auth' is "
                + "not installed\"}]", body.get("notReady").toString());
    }

    @Test
    public void kindsDescribeEachPluginKind() throws Exception {
        JsonNode kinds = json(get("/api/v1/kinds"));
        assertEquals(2, kinds.size());
        JsonNode proxy = kinds.get(1);
        assertEquals("proxy", proxy.get("name").asText());
        assertEquals("Forwards to upstream servers", proxy.get("description").asText());
        assertEquals("[\"noServer\",\"upstreamError\"]", proxy.get("results").toString());
        assertEquals("object", proxy.at("/schema/type").asText());
        assertEquals("gatehouse-plugin-proxy", proxy.get("bundle").asText());
        assertEquals("0.1.0", proxy.get("version").asText());
    }

    @Test
    public void unknownPathsAndObjectsAre404Json() throws Exception {
        assertError(get("/api/v2/nothing"), 404, "not_found");
        assertError(get("/api/v1/objects/Pipeline/missing"), 404, "not_found");
        assertError(get("/api/v1/objects?kind=Bogus"), 400, "invalid");
        // java.net.URI refuses to send a malformed escape: write it by hand
        String raw = raw(server.port(), "GET /api/v1/objects?kind=%ZZ HTTP/1.1\r\nHost: localhost\r\n"
                + "Authorization: Bearer " + TOKEN + "\r\n"
                + "Connection: close\r\n\r\n");
        assertTrue(raw, raw.startsWith("HTTP/1.1 400 "));
        assertTrue(raw, raw.contains("\"error\":\"bad_request\""));
    }

    @Test
    public void wrongMethodIs405WithAllow() throws Exception {
        HttpResponse<String> r = delete("/api/v1/objects");
        assertError(r, 405, "method_not_allowed");
        assertEquals("GET, POST", r.headers().firstValue("Allow").orElse(null));
        HttpResponse<String> one = write("POST", "/api/v1/objects/Pipeline/p", "application/json", pipeline("p"));
        assertError(one, 405, "method_not_allowed");
        assertEquals("GET, PUT, DELETE", one.headers().firstValue("Allow").orElse(null));
        assertEquals("POST", send(request("/api/v1/apply").GET()).headers().firstValue("Allow").orElse(null));
    }

    @Test
    public void bodyLargerThanTheLimitIs413() throws Exception {
        String big = "{\"kind\":\"Pipeline\",\"name\":\"big\",\"spec\":{\"pad\":\"" + "x".repeat(17 * 1024) + "\"}}";
        assertError(write("POST", "/api/v1/objects", "application/json", big), 413, "payload_too_large");

        // streamed (chunked, no Content-Length): cut off while reading
        HttpRequest.Builder chunked = request("/api/v1/apply").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big.getBytes())));
        assertError(send(chunked), 413, "payload_too_large");
        assertEquals(404, get("/api/v1/objects/Pipeline/big").statusCode());

        String fits = "{\"kind\":\"Pipeline\",\"name\":\"fits\",\"spec\":{\"pad\":\"" + "x".repeat(15 * 1024) + "\"}}";
        assertEquals(201, write("POST", "/api/v1/objects", "application/json", fits).statusCode());
    }

    @Test
    public void unsupportedMediaTypesAre415() throws Exception {
        assertError(write("POST", "/api/v1/objects", "application/x-www-form-urlencoded", "kind=Pipeline"),
                415, "unsupported_media_type");
        assertError(write("POST", "/api/v1/objects", "application/json; charset=ISO-8859-1", pipeline("p")),
                415, "unsupported_media_type");
        assertEquals(404, get("/api/v1/objects/Pipeline/p").statusCode());
    }

    @Test
    public void unexpectedFailureIs500Json() throws Exception {
        service.failNext = new IllegalStateException("boom");
        HttpResponse<String> r = get("/api/v1/objects");
        assertError(r, 500, "internal");
        assertTrue(r.body().contains("IllegalStateException"));
        assertEquals(200, get("/api/v1/objects").statusCode());
    }

    @Test
    public void errorsRaisedByJettyAreJsonToo() throws Exception {
        HttpResponse<String> r = send(request("/api/v1/health").header("X-Big", "y".repeat(16 * 1024)).GET());
        assertEquals(431, r.statusCode());
        assertEquals("application/json; charset=utf-8", r.headers().firstValue("Content-Type").orElse(null));
        assertEquals(431, json(r).get("status").asInt());
        assertEquals("header_too_large", json(r).get("error").asText());

        HttpResponse<String> ambiguous = get("/api/v1/objects/a%2Fb/c");
        assertEquals(ambiguous.body(), 400, ambiguous.statusCode());
        assertEquals("bad_request", json(ambiguous).get("error").asText());
    }

    @Test
    public void bodyThatStopsArrivingIs408() throws Exception {
        server.stop();
        server = new AdminServer(service, settings(0, "4MiB", 8, "1s"), NodeIdentity.load(null), TOKEN_SHA256);
        String response = raw(server.port(), "POST /api/v1/objects HTTP/1.1\r\nHost: localhost\r\n"
                + "Authorization: Bearer " + TOKEN + "\r\n"
                + "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"kind\"");
        assertTrue(response, response.startsWith("HTTP/1.1 408 "));
        assertTrue(response, response.contains("\"error\":\"request_timeout\""));
        assertEquals(List.of(), service.list(null));
    }

    @Test
    public void portInUseFailsActivationWithAPreciseMessage() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> new AdminServer(registered(service), settings(taken.getLocalPort(), "4MiB", 8)));
            assertEquals("Admin API cannot listen on 127.0.0.1:" + taken.getLocalPort()
                    + ": the address is already in use (set 'port' in configuration io.gatehouse.admin)",
                    e.getMessage());
        }
    }

    @Test
    public void invalidSettingsAreRejectedNamingTheProperty() {
        IllegalArgumentException threads = assertThrows(IllegalArgumentException.class,
                () -> new AdminServer(registered(service), settings(0, "4MiB", 2)));
        assertTrue(threads.getMessage(), threads.getMessage().contains("threads=2"));
        IllegalArgumentException size = assertThrows(IllegalArgumentException.class,
                () -> new AdminServer(registered(service), settings(0, "lots", 8)));
        assertTrue(size.getMessage(), size.getMessage().contains("'lots' is not a size"));
    }

    @Test
    public void stopReleasesThePort() throws Exception {
        int port = server.port();
        assertNotEquals(0, port);
        server.stop();
        server = null;
        try (ServerSocket again = new ServerSocket(port, 1, InetAddress.getByName("127.0.0.1"))) {
            assertEquals(port, again.getLocalPort());
        }
    }

    /** Writes a request as is and reads until the server closes the connection. */
    private static String raw(int port, String request) throws Exception {
        try (Socket socket = new Socket(InetAddress.getByName("127.0.0.1"), port)) {
            socket.setSoTimeout((int) TIMEOUT.toMillis());
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private void assertError(HttpResponse<String> r, int status, String code) throws Exception {
        assertEquals(r.body(), status, r.statusCode());
        assertEquals("application/json; charset=utf-8", r.headers().firstValue("Content-Type").orElse(null));
        JsonNode body = json(r);
        assertEquals(status, body.get("status").asInt());
        assertEquals(code, body.get("error").asText());
        assertTrue(body.get("message").asText().length() > 0);
        assertTrue(body.get("violations").isArray());
    }

    /** Readiness: open, 200 while every HTTPServer serves, 503 naming those that do not. */
    @Test
    public void readinessSaysWhetherEveryServerServes() throws Exception {
        HttpResponse<String> ready = send(anonymous("/api/v1/ready").GET());
        assertEquals(ready.body(), 200, ready.statusCode());
        assertTrue(json(ready).get("ready").asBoolean());
        write("POST", "/api/v1/apply", "application/json", "[" + pipeline("p") + "," + server("web", 10080, "p") + "]");
        service.unbound.put("web", "port 127.0.0.1:10080 in use, retrying in 1s");
        HttpResponse<String> notReady = send(anonymous("/api/v1/ready").GET());
        assertEquals(notReady.body(), 503, notReady.statusCode());
        assertEquals("web", json(notReady).at("/servers/0/name").asText());
        service.unbound.remove("web");
        assertEquals(200, send(anonymous("/api/v1/ready").GET()).statusCode());
    }
}
