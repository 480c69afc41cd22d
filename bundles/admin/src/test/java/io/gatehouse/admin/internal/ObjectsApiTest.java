package io.gatehouse.admin.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.Test;

/** The objects resource over real HTTP: create, read, list, replace, apply, delete, JSON and YAML. */
public class ObjectsApiTest extends AdminApiTestSupport {
    private final ObjectMapper yaml = new ObjectMapper(new YAMLFactory());

    @Test
    public void createsOneJsonObjectAndReadsItBack() throws Exception {
        HttpResponse<String> created = write("POST", "/api/v1/objects", "application/json", pipeline("demo"));
        assertEquals(201, created.statusCode());
        assertEquals("/api/v1/objects/Pipeline/demo", created.headers().firstValue("Location").orElse(null));
        JsonNode body = json(created);
        assertEquals(1, body.size());
        assertEquals("demo", body.get(0).get("name").asText());
        assertEquals(1, body.get(0).get("revision").asLong());

        HttpResponse<String> read = get("/api/v1/objects/Pipeline/demo");
        assertEquals(200, read.statusCode());
        assertEquals("application/json; charset=utf-8", read.headers().firstValue("Content-Type").orElse(null));
        JsonNode object = json(read);
        assertEquals(List.of("kind", "name", "spec", "revision", "status"), fieldNames(object));
        assertEquals("{\"ready\":true}", object.get("status").toString());
        assertEquals("{\"ready\":true}", body.get(0).get("status").toString());
        assertEquals("Pipeline", object.get("kind").asText());
        assertTrue(object.get("spec").get("plugins").isArray());
    }

    @Test
    public void duplicateCreateIsConflictWithPath() throws Exception {
        assertEquals(201, write("POST", "/api/v1/objects", "application/json", pipeline("demo")).statusCode());
        HttpResponse<String> again = write("POST", "/api/v1/objects", "application/json", pipeline("demo"));
        assertEquals(409, again.statusCode());
        JsonNode error = json(again);
        assertEquals(409, error.get("status").asInt());
        assertEquals("conflict", error.get("error").asText());
        assertEquals("$.name", error.get("violations").get(0).get("path").asText());
        assertTrue(error.get("message").asText().contains("already exists"));
    }

    @Test
    public void createsAYamlStreamAndListsByKind() throws Exception {
        String stream = "kind: Pipeline\nname: p1\nspec:\n  plugins: []\n---\n"
                + "kind: HTTPServer\nname: s1\nspec:\n  port: 10080\n  rules:\n    - pipeline: p1\n";
        HttpResponse<String> created = write("POST", "/api/v1/objects", "application/x-yaml", stream);
        assertEquals(created.body(), 201, created.statusCode());
        assertEquals(2, json(created).size());
        assertFalse(created.headers().firstValue("Location").isPresent());

        JsonNode all = json(get("/api/v1/objects"));
        assertEquals(2, all.size());
        JsonNode servers = json(get("/api/v1/objects?kind=HTTPServer"));
        assertEquals(1, servers.size());
        assertEquals("s1", servers.get(0).get("name").asText());
        assertEquals(10080, servers.get(0).get("spec").get("port").asInt());
    }

    @Test
    public void bodiesWithoutADeclaredFormatAreSniffed() throws Exception {
        assertEquals(201, write("POST", "/api/v1/objects", null, pipeline("json-sniffed")).statusCode());
        assertEquals(201, write("POST", "/api/v1/objects", "text/plain",
                "\n  kind: Pipeline\n  name: yaml-sniffed\n  spec: {plugins: []}\n").statusCode());
        assertEquals(200, get("/api/v1/objects/Pipeline/yaml-sniffed").statusCode());
        assertEquals(200, get("/api/v1/objects/Pipeline/json-sniffed").statusCode());
    }

    @Test
    public void answersInYamlWhenAsked() throws Exception {
        write("POST", "/api/v1/objects", "application/json", "[" + pipeline("a") + "," + pipeline("b") + "]");
        HttpResponse<String> one = get("/api/v1/objects/Pipeline/a", "application/yaml");
        assertEquals(200, one.statusCode());
        assertEquals("application/yaml; charset=utf-8", one.headers().firstValue("Content-Type").orElse(null));
        assertEquals("a", yaml.readTree(one.body()).get("name").asText());

        HttpResponse<String> list = get("/api/v1/objects", "text/html, application/yaml;q=0.9, application/json;q=0.5");
        List<JsonNode> docs = yaml.readerFor(JsonNode.class).<JsonNode>readValues(list.body()).readAll();
        assertEquals(2, docs.size());
        assertEquals("b", docs.get(1).get("name").asText());

        // the YAML listing is accepted back as is (revision and status are ignored on input)
        assertTrue(list.body(), list.body().contains("status:"));
        HttpResponse<String> applied = write("POST", "/api/v1/apply", YAML, list.body());
        assertEquals(applied.body(), 200, applied.statusCode());
        assertEquals(2, json(applied).size());
        // ... while other unknown top-level fields are refused
        assertEquals(400, write("POST", "/api/v1/apply", YAML, list.body().replace("status:", "state:")).statusCode());

        HttpResponse<String> preferJson = get("/api/v1/objects/Pipeline/a", "application/json, application/yaml");
        assertEquals("application/json; charset=utf-8", preferJson.headers().firstValue("Content-Type").orElse(null));
    }

    @Test
    public void everyObjectCarriesItsStatus() throws Exception {
        String missingKind = "{\"kind\":\"Pipeline\",\"name\":\"late\",\"spec\":{\"plugins\":[{\"name\":\"a\","
                + "\"kind\":\"auth\"}]}}";
        String notReady = "{\"ready\":false,\"reason\":\"plugin kind 'auth' is not installed\"}";
        HttpResponse<String> created = write("POST", "/api/v1/objects", "application/json",
                "[" + missingKind + "," + pipeline("p") + "]");
        assertEquals(created.body(), 201, created.statusCode());
        assertEquals(notReady, json(created).get(0).get("status").toString());
        assertEquals("{\"ready\":true}", json(created).get(1).get("status").toString());

        assertEquals(notReady, json(get("/api/v1/objects/Pipeline/late")).get("status").toString());
        JsonNode list = json(get("/api/v1/objects?kind=Pipeline"));
        assertEquals(notReady, list.get(0).get("status").toString());
        assertEquals("{\"ready\":true}", list.get(1).get("status").toString());

        service.unbound.put("s", "not bound: 127.0.0.1:10080: Address already in use");
        HttpResponse<String> put = write("PUT", "/api/v1/objects/HTTPServer/s", "application/json",
                server("s", 10080, "p"));
        assertEquals(put.body(), 200, put.statusCode());
        assertEquals("{\"ready\":false,\"reason\":\"not bound: 127.0.0.1:10080: Address already in use\"}",
                json(put).get("status").toString());
        service.unbound.clear();
        HttpResponse<String> applied = write("POST", "/api/v1/apply", "application/json", server("s", 10080, "p"));
        assertEquals("{\"ready\":true}", json(applied).get(0).get("status").toString());

        HttpResponse<String> yamlOne = get("/api/v1/objects/Pipeline/late", "application/yaml");
        JsonNode status = yaml.readTree(yamlOne.body()).get("status");
        assertEquals(false, status.get("ready").booleanValue());
        assertEquals("plugin kind 'auth' is not installed", status.get("reason").asText());
    }

    @Test
    public void putCreatesThenReplaces() throws Exception {
        HttpResponse<String> first = write("PUT", "/api/v1/objects/Pipeline/p", "application/json", pipeline("p"));
        assertEquals(200, first.statusCode());
        long r1 = json(first).get("revision").asLong();
        HttpResponse<String> second = write("PUT", "/api/v1/objects/Pipeline/p", YAML,
                "kind: Pipeline\nname: p\nspec:\n  plugins: [{name: x, kind: mock}]\n");
        assertEquals(200, second.statusCode());
        assertTrue(json(second).get("revision").asLong() > r1);
        assertEquals("x", json(get("/api/v1/objects/Pipeline/p")).at("/spec/plugins/0/name").asText());
    }

    @Test
    public void putWhoseBodyDisagreesWithTheUrlIsRejectedWithPaths() throws Exception {
        HttpResponse<String> name = write("PUT", "/api/v1/objects/Pipeline/other", "application/json", pipeline("p"));
        assertEquals(400, name.statusCode());
        assertEquals("$.name", json(name).at("/violations/0/path").asText());
        assertEquals(1, json(name).get("violations").size());

        HttpResponse<String> kind = write("PUT", "/api/v1/objects/HTTPServer/p", "application/json", pipeline("p"));
        assertEquals(400, kind.statusCode());
        assertEquals("invalid", json(kind).get("error").asText());
        assertEquals("$.kind", json(kind).at("/violations/0/path").asText());
        assertEquals(404, get("/api/v1/objects/Pipeline/p").statusCode());
    }

    @Test
    public void applyIsAllOrNothing() throws Exception {
        HttpResponse<String> ok = write("POST", "/api/v1/apply", "application/json",
                "[" + pipeline("p") + "," + server("s", 10080, "p") + "]");
        assertEquals(200, ok.statusCode());
        assertEquals(2, json(ok).size());

        HttpResponse<String> bad = write("POST", "/api/v1/apply", "application/json",
                "[" + pipeline("q") + "," + server("t", 0, "p") + "]");
        assertEquals(400, bad.statusCode());
        JsonNode error = json(bad);
        assertEquals("invalid", error.get("error").asText());
        assertEquals("$.spec.port", error.at("/violations/0/path").asText());
        assertEquals("required, 1..65535", error.at("/violations/0/message").asText());
        assertEquals(404, get("/api/v1/objects/Pipeline/q").statusCode());
    }

    @Test
    public void everyViolationIsRendered() throws Exception {
        HttpResponse<String> bad = write("POST", "/api/v1/objects", "application/json", server("s", 70000, "nope"));
        assertEquals(400, bad.statusCode());
        JsonNode violations = json(bad).get("violations");
        assertEquals(2, violations.size());
        assertEquals("$.spec.port", violations.get(0).get("path").asText());
        assertEquals("$.spec.rules[0].pipeline", violations.get(1).get("path").asText());
    }

    @Test
    public void malformedAndEmptyBodiesAre400() throws Exception {
        HttpResponse<String> malformed = write("POST", "/api/v1/objects", "application/json", "{\"kind\": ");
        assertEquals(400, malformed.statusCode());
        assertTrue(json(malformed).get("message").asText(), json(malformed).get("message").asText().contains("line 1"));

        HttpResponse<String> missing = write("POST", "/api/v1/objects", "application/json", "{\"kind\":\"Pipeline\"}");
        assertEquals(400, missing.statusCode());
        assertEquals("$.name", json(missing).at("/violations/0/path").asText());

        HttpResponse<String> empty = write("POST", "/api/v1/objects", "application/json", "  ");
        assertEquals(400, empty.statusCode());
        assertEquals("$", json(empty).at("/violations/0/path").asText());
    }

    @Test
    public void deleteAnswers204Then404AndRefusesReferencedObjects() throws Exception {
        write("POST", "/api/v1/apply", "application/json", "[" + pipeline("p") + "," + server("s", 10080, "p") + "]");
        HttpResponse<String> referenced = delete("/api/v1/objects/Pipeline/p");
        assertEquals(409, referenced.statusCode());
        assertEquals("conflict", json(referenced).get("error").asText());

        HttpResponse<String> deleted = delete("/api/v1/objects/HTTPServer/s");
        assertEquals(204, deleted.statusCode());
        assertEquals("", deleted.body());
        assertEquals(204, delete("/api/v1/objects/Pipeline/p").statusCode());

        HttpResponse<String> gone = delete("/api/v1/objects/Pipeline/p");
        assertEquals(404, gone.statusCode());
        assertEquals("not_found", json(gone).get("error").asText());
        assertEquals("Pipeline 'p' does not exist", json(gone).get("message").asText());
        assertEquals(404, get("/api/v1/objects/HTTPServer/s").statusCode());
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new java.util.ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    public void writesSayWhetherTheyCreatedUpdatedOrLeftAnObjectUnchanged() throws Exception {
        HttpResponse<String> created = write("PUT", "/api/v1/objects/Pipeline/demo", "application/json",
                pipeline("demo"));
        assertEquals(200, created.statusCode());
        assertEquals("created", json(created).get("change").asText());
        assertEquals(List.of("kind", "name", "spec", "revision", "status", "change"), fieldNames(json(created)));

        HttpResponse<String> again = write("PUT", "/api/v1/objects/Pipeline/demo", YAML,
                "kind: Pipeline\nname: demo\nspec:\n  plugins: []\n");
        assertEquals(200, again.statusCode());
        assertEquals("unchanged", json(again).get("change").asText());
        assertEquals("the revision stays", 1, json(again).get("revision").asLong());
        assertEquals(1, service.appliedIndex());

        HttpResponse<String> batch = write("POST", "/api/v1/apply", "application/json", "[" + pipeline("demo") + ","
                + pipeline("other") + "]");
        assertEquals(200, batch.statusCode());
        assertEquals("unchanged", json(batch).get(0).get("change").asText());
        assertEquals("created", json(batch).get(1).get("change").asText());
        assertEquals(2, json(batch).get(1).get("revision").asLong());

        // a write's answer can be sent back as it is: revision, status and change are ignored
        HttpResponse<String> echoed = write("POST", "/api/v1/apply", "application/json", batch.body());
        assertEquals(echoed.body(), 200, echoed.statusCode());
        assertEquals("unchanged", json(echoed).get(1).get("change").asText());

        HttpResponse<String> updated = write("PUT", "/api/v1/objects/Pipeline/other", "application/json",
                "{\"kind\":\"Pipeline\",\"name\":\"other\",\"spec\":{\"plugins\":[],\"x\":1}}");
        assertEquals("updated", json(updated).get("change").asText());
        assertEquals(3, json(updated).get("revision").asLong());
        assertEquals("a read has no change field", List.of("kind", "name", "spec", "revision", "status"),
                fieldNames(json(get("/api/v1/objects/Pipeline/other"))));
    }

    /** POST /api/v1/validate: what an apply would do to each object, nothing written. */
    @Test
    public void validateIsADryRunOfApply() throws Exception {
        write("POST", "/api/v1/apply", "application/json", pipeline("kept"));
        long index = service.appliedIndex();
        HttpResponse<String> r = write("POST", "/api/v1/validate", "application/json",
                "[" + pipeline("kept") + "," + pipeline("fresh") + "]");
        assertEquals(r.body(), 200, r.statusCode());
        JsonNode answer = json(r);
        assertEquals("unchanged", answer.get(0).get("change").asText());
        assertEquals("created", answer.get(1).get("change").asText());
        assertEquals(0, answer.get(1).get("revision").asLong());
        assertEquals("dry run: nothing was written", answer.get(1).at("/status/reason").asText());
        assertEquals("nothing was written", index, service.appliedIndex());
        assertTrue(service.get("Pipeline", "fresh").isEmpty());
        assertEquals(400, write("POST", "/api/v1/validate", "application/json", "{\"kind\":").statusCode());
    }
}
