package io.gatehouse.admin.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.Test;

/**
 * Bad input of every kind, over real HTTP: each gets a 4xx answer with the JSON error body, and nothing is
 * applied. Several requests are written by hand, because a well-behaved client refuses to send them.
 */
public class BadInputApiTest extends AdminApiTestSupport {

    /** A response read off the socket: status line, headers, body. */
    private record Raw(int status, String head, String body) {
        String header(String name) {
            for (String line : head.split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
                    return line.substring(colon + 1).trim();
                }
            }
            return null;
        }
    }

    /** Writes {@code request} as is (it should say {@code Connection: close}) and reads the whole response. */
    private Raw raw(byte[] request) throws Exception {
        try (Socket socket = new Socket(InetAddress.getByName("127.0.0.1"), server.port())) {
            socket.setSoTimeout((int) TIMEOUT.toMillis());
            OutputStream out = socket.getOutputStream();
            out.write(request);
            out.flush();
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            InputStream in = socket.getInputStream();
            try {
                in.transferTo(bytes);
            } catch (SocketTimeoutException e) {
                throw new AssertionError("no complete response within " + TIMEOUT + ": " + bytes, e);
            } catch (java.net.SocketException e) {
                // a reset after the response was sent: what was read is the answer
                if (bytes.size() == 0) {
                    throw e;
                }
            }
            String text = bytes.toString(StandardCharsets.UTF_8);
            int split = text.indexOf("\r\n\r\n");
            assertTrue("no response head in: " + text, split > 0);
            String head = text.substring(0, split);
            return new Raw(Integer.parseInt(head.substring(9, 12)), head, text.substring(split + 4));
        }
    }

    private Raw raw(String request) throws Exception {
        return raw(request.getBytes(StandardCharsets.ISO_8859_1));
    }

    private static String request(String method, String target, String headers, String body) {
        return method + " " + target + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                + "Authorization: Bearer " + TOKEN + "\r\n" + headers
                + (body == null ? "" : "Content-Length: " + body.getBytes(StandardCharsets.ISO_8859_1).length + "\r\n")
                + "\r\n" + (body == null ? "" : body);
    }

    /** The JSON error shape: status, error code, non-empty message, violations array. */
    private JsonNode assertJsonError(Raw r, int status, String code) throws Exception {
        assertEquals(r.head() + "\n" + r.body(), status, r.status());
        assertEquals(r.head(), "application/json; charset=utf-8", r.header("Content-Type"));
        JsonNode body = json.readTree(r.body());
        assertEquals(r.body(), status, body.get("status").asInt());
        if (code != null) {
            assertEquals(r.body(), code, body.get("error").asText());
        }
        assertFalse(r.body(), body.get("message").asText().isBlank());
        assertTrue(r.body(), body.get("violations").isArray());
        return body;
    }

    private JsonNode assertJsonError(HttpResponse<String> r, int status, String code) throws Exception {
        assertEquals(r.body(), status, r.statusCode());
        assertEquals("application/json; charset=utf-8", r.headers().firstValue("Content-Type").orElse(null));
        JsonNode body = json(r);
        assertEquals(status, body.get("status").asInt());
        assertEquals(r.body(), code, body.get("error").asText());
        assertTrue(body.get("violations").isArray());
        return body;
    }

    private void assertNothingStored() {
        assertEquals(List.of(), service.list(null));
        assertEquals(0, service.appliedIndex());
    }

    // ------------------------------------------------------------------ media types

    @Test
    public void aContentTypeThatIsNotAMediaTypeIs415NotA500() throws Exception {
        for (String type : List.of(";;;", ";", "/", "application/json, application/yaml", "application/json; charset")) {
            JsonNode error = assertJsonError(raw(request("POST", "/api/v1/objects", "Content-Type: " + type + "\r\n",
                    pipeline("p"))), 415, "unsupported_media_type");
            assertTrue(error.toString(), error.get("message").asText().contains("is not a media type"));
        }
        assertNothingStored();
    }

    @Test
    public void twoContentTypeHeadersAre400InsteadOfTheFirstWinning() throws Exception {
        JsonNode error = assertJsonError(raw(request("POST", "/api/v1/objects",
                "Content-Type: application/json\r\nContent-Type: application/yaml\r\n", pipeline("p"))),
                400, "bad_request");
        assertEquals("the request has 2 Content-Type headers: send exactly one", error.get("message").asText());
        assertNothingStored();
    }

    @Test
    public void aCompressedBodyIs415() throws Exception {
        assertJsonError(raw(request("POST", "/api/v1/objects",
                "Content-Type: application/json\r\nContent-Encoding: gzip\r\n", pipeline("p"))),
                415, "unsupported_media_type");
        assertNothingStored();
    }

    @Test
    public void aMalformedAcceptStillGetsJson() throws Exception {
        Raw r = raw(request("GET", "/api/v1/health", "Accept: ;;;,,,;q=x\r\n", null));
        assertEquals(r.body(), 200, r.status());
        assertEquals("UP", json.readTree(r.body()).get("status").asText());
        Raw yaml = raw(request("GET", "/api/v1/health", "Accept: text/html\r\nAccept: application/yaml\r\n", null));
        assertEquals("application/yaml; charset=utf-8", yaml.header("Content-Type"));
    }

    // ------------------------------------------------------------------ URIs and methods

    @Test
    public void putAndDeleteOnAnAmbiguousNameGetTheJsonBodyToo() throws Exception {
        // Jetty's URI compliance check answered 400 with an empty body for any method but GET, POST and HEAD
        for (String name : List.of("..%2Fx", "a%2Fb", "%2e%2e", "a%5Cb")) {
            String target = "/api/v1/objects/Pipeline/" + name;
            assertJsonError(raw(request("PUT", target, "Content-Type: application/json\r\n", pipeline("x"))), 400,
                    "bad_request");
            assertJsonError(raw(request("DELETE", target, "", null)), 400, "bad_request");
            assertJsonError(raw(request("GET", target, "", null)), 400, "bad_request");
        }
        assertNothingStored();
    }

    @Test
    public void jettysOwnRejectionsAreJsonForEveryMethod() throws Exception {
        for (String method : List.of("GET", "PUT", "DELETE", "POST")) {
            assertJsonError(raw(request(method, "/api/v1/objects/Pipeline/" + "x".repeat(10_000), "", null)), 414,
                    "uri_too_long");
            assertJsonError(raw(request(method, "/api/v1/objects/Pipeline/p", "X-Big: " + "y".repeat(10_000) + "\r\n",
                    null)), 431, "header_too_large");
            assertJsonError(raw(request(method, "/api/v1/objects/Pipeline/p%00", "", null)), 400, "bad_request");
        }
        assertNothingStored();
    }

    @Test
    public void unknownAndRepeatedQueryParametersAre400() throws Exception {
        JsonNode unknown = assertJsonError(get("/api/v1/objects?knd=Pipeline"), 400, "invalid");
        assertEquals("unknown query parameter 'knd': known: kind", unknown.get("message").asText());
        JsonNode twice = assertJsonError(get("/api/v1/objects?kind=Pipeline&kind=HTTPServer"), 400, "invalid");
        assertEquals("query parameter 'kind' is given 2 times: give it once", twice.get("message").asText());
        assertJsonError(get("/api/v1/health?verbose=1"), 400, "invalid");
        assertEquals(200, get("/api/v1/objects?kind=Pipeline").statusCode());
    }

    // ------------------------------------------------------------------ bodies

    @Test
    public void putTakesOneObjectNotAOneElementArray() throws Exception {
        JsonNode error = assertJsonError(write("PUT", "/api/v1/objects/Pipeline/p", "application/json",
                "[" + pipeline("p") + "]"), 400, "invalid");
        assertEquals("$", error.at("/violations/0/path").asText());
        assertEquals("must be one object, not an array", error.at("/violations/0/message").asText());
        assertJsonError(write("PUT", "/api/v1/objects/Pipeline/p", YAML,
                "- {kind: Pipeline, name: p, spec: {plugins: []}}\n"), 400, "invalid");
        assertJsonError(write("PUT", "/api/v1/objects/Pipeline/p", YAML,
                "kind: Pipeline\nname: p\nspec: {}\n---\nkind: Pipeline\nname: p\nspec: {}\n"), 400, "invalid");
        assertNothingStored();
        assertEquals(200, write("PUT", "/api/v1/objects/Pipeline/p", YAML,
                "---\nkind: Pipeline\nname: p\nspec: {plugins: []}\n").statusCode());
    }

    @Test
    public void bodiesThatAreNotUtf8Are400WithTheOffset() throws Exception {
        byte[] overlong = (pipeline("p").replace("[]", "[\"X\"]")).getBytes(StandardCharsets.UTF_8);
        int at = new String(overlong, StandardCharsets.UTF_8).indexOf('X');
        byte[] bad = new byte[overlong.length + 1];
        System.arraycopy(overlong, 0, bad, 0, at);
        bad[at] = (byte) 0xC0;
        bad[at + 1] = (byte) 0xAF;
        System.arraycopy(overlong, at + 1, bad, at + 2, overlong.length - at - 1);
        HttpResponse<String> r = send(request("/api/v1/objects").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(bad)));
        JsonNode error = assertJsonError(r, 400, "invalid");
        assertEquals("$", error.at("/violations/0/path").asText());
        assertTrue(error.toString(), error.at("/violations/0/message").asText()
                .contains("byte 0xC0 at offset " + at + " (line 1, column " + (at + 1) + ")"));
        for (byte[] utf16 : List.of(pipeline("p").getBytes(StandardCharsets.UTF_16),
                pipeline("p").getBytes(StandardCharsets.UTF_16LE))) {
            assertJsonError(send(request("/api/v1/apply").header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(utf16))), 400, "invalid");
            assertJsonError(send(request("/api/v1/apply").header("Content-Type", YAML)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(utf16))), 400, "invalid");
        }
        assertNothingStored();
    }

    @Test
    public void yamlAliasesAnchorsAndTagsAre400WithTheirPath() throws Exception {
        String yaml = "kind: Pipeline\nname: p\nspec:\n  plugins: []\n  headers:\n    X-Base: &b one\n"
                + "    X-Alias: *b\n  code: !!python/object:os.system {}\n";
        JsonNode error = assertJsonError(write("POST", "/api/v1/objects", YAML, yaml), 400, "invalid");
        List<String> paths = new ArrayList<>();
        error.get("violations").forEach(v -> paths.add(v.get("path").asText()));
        assertEquals(List.of("$.spec.headers.X-Base", "$.spec.headers.X-Alias", "$.spec.code"), paths);
        assertTrue(error.toString(), error.at("/violations/1/message").asText().startsWith("line 7, column 14:"));
        assertNothingStored();
    }

    @Test
    public void parseErrorsAreInTheGatewaysWords() throws Exception {
        String[][] cases = {
            {"application/json", "{\"kind\": "},
            {"application/json", "{} {}"},
            {"application/json", "{\"kind\": \"Pipeline\", \"spec\": {\"a\": [1}}"},
            {YAML, "kind: [a\n"},
            {YAML, "? [a]\n: b\n"},
            {"application/json", "[" + pipeline("a") + ",{\"kind\":\"Pipeline\",\"name\":\"b\",\"spec\":{\"x\":1e99999}}]"},
        };
        for (String[] c : cases) {
            JsonNode error = assertJsonError(write("POST", "/api/v1/objects", c[0], c[1]), 400, "invalid");
            for (String internal : List.of("`", "Source:", "REDACTED", "com.fasterxml", "org.yaml", "java.",
                    "Exception", "reference chain", "START_")) {
                assertFalse(error + " mentions " + internal, error.toString().contains(internal));
            }
        }
        assertNothingStored();
    }

    // ------------------------------------------------------------------ fuzz

    /**
     * Bad requests of many shapes, a few hundred of them: never a 5xx, every error a 4xx with the JSON error body
     * (only a plain read may succeed), and nothing is stored.
     */
    @Test
    public void fuzzedRequestsGet4xxJsonAndChangeNothing() throws Exception {
        List<String> methods = List.of("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "FOO");
        List<String> targets = List.of("/api/v1/objects", "/api/v1/objects/Pipeline/p", "/api/v1/apply",
                "/api/v1/objects/Pipeline/..%2Fx", "/api/v1/objects/%00/x", "/api/v1/objects/Pipeline/a%ZZ",
                "/api/v1/objects/Pipeline/%C0%AF", "/api/v1//objects", "/api/v1/objects?kind=%", "/api/v1/objects?a=b",
                "/api/v1/../../etc/passwd", "/api/v1/objects/Pipeline/p;x=1", "/nope", "/api/v1/objects/Pipeline");
        List<String> types = List.of("", "Content-Type: ;;;\r\n", "Content-Type: application/json\r\n",
                "Content-Type: application/yaml\r\n", "Content-Type: text/xml\r\n",
                "Content-Type: application/json; charset=utf-16\r\n",
                "Content-Type: application/json\r\nContent-Type: application/json\r\n");
        List<String> bodies = List.of("{", "[]", "[1]", "{\"kind\":\"Pipeline\"}", "kind: *a\n", "!!binary x\n",
                "\u00c0\u00af", "{\"kind\":\"Pipeline\",\"name\":\"p\",\"spec\":{\"a\":1e999}}", "- - - -\n",
                "[" + pipeline("p") + ",{}]", "{\"kind\":\"Pipeline\",\"name\":\"..\",\"spec\":{}}", "\t\u0001");
        Random random = new Random(5L);
        for (int i = 0; i < 300; i++) {
            String method = methods.get(random.nextInt(methods.size()));
            String target = targets.get(random.nextInt(targets.size()));
            String type = types.get(random.nextInt(types.size()));
            String body = method.equals("GET") || method.equals("DELETE") ? null : bodies.get(random.nextInt(bodies.size()));
            String request = request(method, target, type, body);
            Raw r = raw(request);
            String what = request.replace("\r\n", " | ") + " -> " + r.status() + " " + r.body();
            assertTrue(what, r.status() < 500);
            assertEquals(what, "application/json; charset=utf-8", r.header("Content-Type"));
            JsonNode answer = json.readTree(r.body());
            if (r.status() >= 400) {
                assertEquals(what, r.status(), answer.get("status").asInt());
                assertTrue(what, answer.get("violations").isArray());
            } else {
                assertEquals(what, "GET", method);
            }
        }
        assertNothingStored();
    }

    // ------------------------------------------------------------------ settings

    @Test
    public void anIdleTimeoutBeyondItsBoundIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new AdminServer(registered(service), settings(0, "4MiB", 8, "999999999h")));
        assertTrue(e.getMessage(), e.getMessage().endsWith("idleTimeout=999999999h: must be between 1s and 24h, found"
                + " '999999999h'"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> new AdminServer(registered(service), settings(0, "2GiB", 8))).getMessage()
                .contains("maxRequestSize=2GiB: must be between 1KiB and 1GiB"));
    }
}
