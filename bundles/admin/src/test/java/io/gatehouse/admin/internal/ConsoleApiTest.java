package io.gatehouse.admin.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.Test;

/** The web console's static files (ConsoleHandler) and the recent writes it shows (GET /api/v1/audit). */
public class ConsoleApiTest extends AdminApiTestSupport {
    private static final Pattern IMPORT = Pattern.compile("(?m)^\\s*import\\s[^;]*?from\\s+'([^']+)'|^\\s*import\\s+'([^']+)'");
    private static final Pattern LINKED = Pattern.compile("(?:href|src)=\"([^\"#:]+)\"");

    @Test
    public void theRootAndTheBareConsolePathRedirectToTheConsole() throws Exception {
        for (String path : new String[] {"/", "/console"}) {
            HttpResponse<String> r = send(anonymous(path).GET());
            assertEquals(path, 302, r.statusCode());
            assertEquals("/console/", r.headers().firstValue("Location").orElse(null));
        }
    }

    @Test
    public void theConsoleIsServedWithoutATokenWithAStrictPolicyAndRevalidated() throws Exception {
        HttpResponse<String> index = send(anonymous("/console/").GET());
        assertEquals(200, index.statusCode());
        assertEquals("text/html; charset=utf-8", index.headers().firstValue("Content-Type").orElse(null));
        assertTrue(index.body(), index.body().contains("<script type=\"module\" src=\"app.js\">"));
        assertEquals(ConsoleHandler.POLICY, index.headers().firstValue("Content-Security-Policy").orElse(null));
        assertTrue(ConsoleHandler.POLICY.contains("script-src 'self'")
                && ConsoleHandler.POLICY.contains("frame-ancestors 'none'"));
        assertEquals("nosniff", index.headers().firstValue("X-Content-Type-Options").orElse(null));
        assertEquals("no-cache", index.headers().firstValue("Cache-Control").orElse(null));
        String etag = index.headers().firstValue("ETag").orElseThrow();
        assertEquals(304, send(anonymous("/console/index.html").header("If-None-Match", etag).GET()).statusCode());
        assertEquals(200, send(anonymous("/console/index.html").header("If-None-Match", "\"other\"").GET()).statusCode());

        HttpResponse<String> module = send(anonymous("/console/app.js").GET());
        assertEquals("text/javascript; charset=utf-8", module.headers().firstValue("Content-Type").orElse(null));
        HttpResponse<String> uplot = send(anonymous("/console/vendor/uplot/uPlot.esm.js").GET());
        assertEquals("uPlot, unpacked from its webjar at build time", 200, uplot.statusCode());
        assertTrue(uplot.body().contains("export"));
        HttpResponse<Void> head = CLIENT.send(anonymous("/console/console.css")
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
        assertEquals(200, head.statusCode());
        assertEquals("text/css; charset=utf-8", head.headers().firstValue("Content-Type").orElse(null));
    }

    @Test
    public void onlyConsoleFilesAreServed() throws Exception {
        for (String path : List.of("/console/no-such.js", "/console/.hidden.js", "/console/pages/editor.exe",
                "/console/vendor/uplot/package.json")) {
            HttpResponse<String> r = send(anonymous(path).GET());
            assertEquals(path + ": " + r.body(), 404, r.statusCode());
            assertEquals("not_found", json(r).get("error").asText());
        }
        // an encoded dot segment is ambiguous: Jetty refuses it before any handler
        assertEquals(400, send(anonymous("/console/%2e%2e/internal/openapi.json").GET()).statusCode());
        // a dot segment is resolved before routing: what it reaches is the API, behind its token
        assertEquals(401, send(anonymous("/console/../api/v1/objects").GET()).statusCode());
        HttpResponse<String> post = send(anonymous("/console/").POST(HttpRequest.BodyPublishers.ofString("x")));
        assertEquals(405, post.statusCode());
        assertEquals("GET, HEAD", post.headers().firstValue("Allow").orElse(null));
    }

    /** Every module the console imports and every file its page links is served: a renamed file fails here. */
    @Test
    public void everyImportAndLinkOfTheConsoleResolves() throws Exception {
        Deque<String> pending = new ArrayDeque<>();
        Set<String> seen = new HashSet<>();
        Matcher linked = LINKED.matcher(resource("index.html"));
        while (linked.find()) {
            pending.add(linked.group(1));
        }
        while (!pending.isEmpty()) {
            String file = pending.pop();
            if (!seen.add(file)) {
                continue;
            }
            HttpResponse<String> r = send(anonymous("/console/" + file).GET());
            assertEquals(file + " is served", 200, r.statusCode());
            if (file.endsWith(".js")) {
                Matcher imports = IMPORT.matcher(r.body());
                String dir = file.contains("/") ? file.substring(0, file.lastIndexOf('/') + 1) : "";
                while (imports.find()) {
                    String target = imports.group(1) != null ? imports.group(1) : imports.group(2);
                    pending.add(java.nio.file.Path.of(dir + target).normalize().toString());
                }
            }
        }
        assertTrue("the app, its library, seven pages, charts and uPlot: " + seen, seen.size() >= 13);
        assertTrue(seen.toString(), seen.contains("vendor/uplot/uPlot.esm.js") && seen.contains("pages/editor.js"));
    }

    @Test
    public void recentWritesAreServedNewestFirstWithoutDryRuns() throws Exception {
        assertEquals(0, json(get("/api/v1/audit")).size());
        assertEquals(200, write("POST", "/api/v1/apply", "application/json", pipeline("a")).statusCode());
        assertEquals(200, write("POST", "/api/v1/validate", "application/json", pipeline("b")).statusCode());
        assertEquals(400, write("POST", "/api/v1/apply", "application/json", "{\"kind\":\"Pipeline\"}").statusCode());
        JsonNode lines = json(get("/api/v1/audit"));
        assertEquals("the dry run is not a write: " + lines, 2, lines.size());
        assertEquals(400, lines.get(0).get("status").asInt());
        assertEquals("Pipeline", lines.get(1).at("/objects/0/kind").asText());
        assertEquals("a", lines.get(1).at("/objects/0/name").asText());
        assertEquals("bootstrap", lines.get(1).get("token").asText());
        JsonNode newest = json(get("/api/v1/audit?limit=1"));
        assertEquals(1, newest.size());
        assertEquals(400, newest.get(0).get("status").asInt());
        HttpResponse<String> bad = get("/api/v1/audit?limit=0");
        assertEquals(400, bad.statusCode());
        assertTrue(bad.body(), json(bad).get("message").asText().contains("'limit'"));
        assertEquals(401, send(anonymous("/api/v1/audit").GET()).statusCode());
    }

    @Test
    public void atMostTheLastLinesAreKept() {
        AuditLog log = new AuditLog();
        log.sink(line -> { });
        for (int i = 0; i < AuditLog.KEPT_LINES + 20; i++) {
            log.write(null, "127.0.0.1", "DELETE", "/api/v1/objects/Pipeline/p" + i, 204, null, null);
        }
        JsonNode kept = log.recent(AuditLog.KEPT_LINES);
        assertEquals(AuditLog.KEPT_LINES, kept.size());
        assertEquals("/api/v1/objects/Pipeline/p" + (AuditLog.KEPT_LINES + 19), kept.get(0).get("target").asText());
        assertEquals("/api/v1/objects/Pipeline/p20", kept.get(AuditLog.KEPT_LINES - 1).get("target").asText());
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = ConsoleHandler.class.getResourceAsStream("/io/gatehouse/admin/console/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
