package io.gatehouse.admin.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.Test;

/**
 * The OpenAPI document describes exactly the routes the server has: every path and method of one is in the
 * other, with the same query parameters. An endpoint added without its description fails here, and so does a
 * description left behind.
 */
public class OpenApiTest extends AdminApiTestSupport {
    private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "patch", "head", "options");

    /** "METHOD path" -> its query parameters, from the document. */
    private Map<String, Set<String>> documented() throws Exception {
        JsonNode doc = json.readTree(OpenApiEndpoint.document());
        Map<String, Set<String>> out = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> paths = doc.get("paths").fields(); paths.hasNext(); ) {
            Map.Entry<String, JsonNode> path = paths.next();
            Set<String> shared = query(doc, path.getValue().path("parameters"));
            for (Iterator<Map.Entry<String, JsonNode>> ops = path.getValue().fields(); ops.hasNext(); ) {
                Map.Entry<String, JsonNode> op = ops.next();
                if (!METHODS.contains(op.getKey())) {
                    continue;
                }
                Set<String> q = new TreeSet<>(shared);
                q.addAll(query(doc, op.getValue().path("parameters")));
                out.put(op.getKey().toUpperCase(Locale.ROOT) + " " + path.getKey(), q);
            }
        }
        return out;
    }

    private static Set<String> query(JsonNode doc, JsonNode parameters) {
        Set<String> names = new TreeSet<>();
        for (JsonNode p : parameters) {
            JsonNode resolved = p;
            if (p.has("$ref")) {
                String ref = p.get("$ref").asText();
                resolved = doc.at(ref.substring(1));
                assertTrue("unresolved " + ref, !resolved.isMissingNode());
            }
            if ("query".equals(resolved.path("in").asText())) {
                names.add(resolved.get("name").asText());
            }
        }
        return names;
    }

    @Test
    public void theDocumentDescribesEveryRouteAndNothingElse() throws Exception {
        Map<String, Set<String>> routes = new TreeMap<>();
        for (Router.Route r : server.router().routes()) {
            routes.put(r.method() + " " + r.path(), new TreeSet<>(r.query()));
        }
        assertEquals(routes, documented());
    }

    @Test
    public void itIsServedAsJson() throws Exception {
        HttpResponse<String> r = get(OpenApiEndpoint.PATH);
        assertEquals(200, r.statusCode());
        assertEquals("3.0.3", json(r).get("openapi").asText());
        assertEquals(401, send(anonymous(OpenApiEndpoint.PATH).GET()).statusCode());
    }
}
