package io.gatehouse.core.internal.config;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.gatehouse.api.config.ConfigException;
import io.gatehouse.api.config.ConfigFormat;
import io.gatehouse.api.config.ConfigObject;
import io.gatehouse.api.config.Violation;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.Test;

public class ConfigCodecTest {
    private final ConfigCodec codec = new ConfigCodec(new Json());

    private List<ConfigObject> parse(String text, ConfigFormat format) throws ConfigException {
        return codec.parse(text.getBytes(StandardCharsets.UTF_8), format);
    }

    private ConfigException refused(String text, ConfigFormat format) {
        try {
            parse(text, format);
        } catch (ConfigException e) {
            assertEquals(400, e.status());
            assertEquals(ConfigException.INVALID, e.code());
            return e;
        }
        fail("expected a ConfigException for: " + text);
        return null;
    }

    private static void assertViolation(ConfigException e, String path, String fragment) {
        for (Violation v : e.violations()) {
            if (v.path().equals(path) && v.message().contains(fragment)) {
                return;
            }
        }
        fail("no violation at " + path + " containing '" + fragment + "' in " + e.violations());
    }

    @Test
    public void parsesJsonObject() throws Exception {
        List<ConfigObject> objects = parse("{\"kind\":\"Pipeline\",\"name\":\"demo\",\"spec\":{\"plugins\":[]}}",
                ConfigFormat.JSON);
        assertEquals(1, objects.size());
        assertEquals("Pipeline", objects.get(0).kind());
        assertEquals("demo", objects.get(0).name());
        assertTrue(objects.get(0).spec().get("plugins").isArray());
        assertEquals(0, objects.get(0).revision());
    }

    @Test
    public void parsesJsonArray() throws Exception {
        List<ConfigObject> objects = parse("[{\"kind\":\"Pipeline\",\"name\":\"a\",\"spec\":{}},"
                + "{\"kind\":\"HTTPServer\",\"name\":\"b\",\"spec\":{\"port\":1}}]", ConfigFormat.JSON);
        assertEquals(List.of("Pipeline/a", "HTTPServer/b"), objects.stream().map(ConfigObject::key).toList());
    }

    @Test
    public void parsesYamlMultiDocumentStream() throws Exception {
        String yaml = """
                kind: Pipeline
                name: demo
                spec:
                  plugins:
                    - name: m
                      kind: mock
                ---
                kind: HTTPServer
                name: web
                spec:
                  port: 10080
                  maxHeaderSize: 16KiB
                """;
        List<ConfigObject> objects = parse(yaml, ConfigFormat.YAML);
        assertEquals(List.of("Pipeline/demo", "HTTPServer/web"), objects.stream().map(ConfigObject::key).toList());
        assertEquals(10080, objects.get(1).spec().get("port").intValue());
        assertEquals("16KiB", objects.get(1).spec().get("maxHeaderSize").textValue());
    }

    @Test
    public void malformedJsonReportsLineAndColumn() {
        ConfigException e = refused("{\n  \"kind\": \"Pipeline\",\n  \"name\" \"x\"\n}", ConfigFormat.JSON);
        assertEquals("$", e.violations().get(0).path());
        assertTrue(e.getMessage(), e.violations().get(0).message().contains("line 3, column"));
    }

    @Test
    public void malformedYamlReportsLineAndColumn() {
        ConfigException e = refused("kind: Pipeline\nname: x\nspec:\n  plugins: [a, b\n", ConfigFormat.YAML);
        assertEquals("$", e.violations().get(0).path());
        assertTrue(e.getMessage(), e.violations().get(0).message().matches("syntax error at line \\d+, column \\d+: .*"));
    }

    @Test
    public void duplicateKeysAreSyntaxErrors() {
        ConfigException e = refused("{\"kind\":\"Pipeline\",\"kind\":\"HTTPServer\",\"name\":\"x\",\"spec\":{}}",
                ConfigFormat.JSON);
        assertTrue(e.getMessage(), e.violations().get(0).message().contains("line 1"));
    }

    @Test
    public void envelopeErrorsNameTheField() {
        assertViolation(refused("{\"name\":\"x\",\"spec\":{}}", ConfigFormat.JSON), "$.kind", "is required");
        assertViolation(refused("{\"kind\":\"Pipeline\",\"name\":5,\"spec\":{}}", ConfigFormat.JSON), "$.name",
                "must be a string");
        assertViolation(refused("{\"kind\":\"Pipeline\",\"name\":\"-bad\",\"spec\":{}}", ConfigFormat.JSON), "$.name",
                "must match");
        assertViolation(refused("{\"kind\":\"Pipeline\",\"name\":\"x\",\"spec\":[]}", ConfigFormat.JSON), "$.spec",
                "must be an object");
        assertViolation(refused("{\"kind\":\"Pipeline\",\"name\":\"x\"}", ConfigFormat.JSON), "$.spec", "is required");
        assertViolation(refused("{\"kind\":\"Route\",\"name\":\"x\",\"spec\":{}}", ConfigFormat.JSON), "$.kind",
                "accepted kinds are HTTPServer, Pipeline");
        assertViolation(refused("{\"kind\":\"Pipeline\",\"name\":\"x\",\"spec\":{},\"metadata\":{}}", ConfigFormat.JSON),
                "$.metadata", "unknown field");
    }

    @Test
    public void whatReadsAndWritesAddIsAcceptedAndIgnored() throws Exception {
        String yaml = """
                kind: Pipeline
                name: a
                spec: {plugins: []}
                revision: 12
                status: {ready: false, reason: "plugin kind 'proxy' is not installed"}
                ---
                kind: HTTPServer
                name: b
                spec: {port: 1}
                revision: 13
                status: {ready: true}
                change: unchanged
                """;
        List<ConfigObject> objects = parse(yaml, ConfigFormat.YAML);
        assertEquals(List.of("Pipeline/a", "HTTPServer/b"), objects.stream().map(ConfigObject::key).toList());
        assertEquals(0, objects.get(0).revision());
        assertEquals("{\"plugins\":[]}", objects.get(0).spec().toString());
        assertEquals("{\"port\":1}", objects.get(1).spec().toString());
        List<ConfigObject> json = parse("{\"kind\":\"Pipeline\",\"name\":\"a\",\"spec\":{},\"revision\":3,"
                + "\"status\":{\"ready\":true}}", ConfigFormat.JSON);
        assertEquals(1, json.size());
        assertEquals("the ignored field is not stored", "{\"kind\":\"Pipeline\",\"name\":\"a\",\"spec\":{}}",
                new String(codec.encode(json.get(0)), StandardCharsets.UTF_8));
        assertViolation(refused("{\"kind\":\"Pipeline\",\"name\":\"x\",\"spec\":{},\"state\":{}}",
                ConfigFormat.JSON), "$.state", "unknown field");
    }

    @Test
    public void batchErrorsCarryTheDocumentIndex() {
        ConfigException e = refused("kind: Pipeline\nname: a\nspec: {}\n---\nkind: Pipeline\nspec: {}\n",
                ConfigFormat.YAML);
        assertViolation(e, "$[1].name", "is required");
        ConfigException j = refused("[{\"kind\":\"Pipeline\",\"name\":\"a\",\"spec\":{}},{\"kind\":7,\"name\":\"b\","
                + "\"spec\":{}}]", ConfigFormat.JSON);
        assertViolation(j, "$[1].kind", "must be a string");
    }

    @Test
    public void emptyDocumentsAreRefused() {
        assertViolation(refused("", ConfigFormat.JSON), "$", "empty");
        assertViolation(refused("---\n", ConfigFormat.YAML), "$", "no objects");
    }

    @Test
    public void stateRoundTrips() throws Exception {
        List<ConfigObject> objects = parse("[{\"kind\":\"Pipeline\",\"name\":\"a\",\"spec\":{\"x\":1}}]",
                ConfigFormat.JSON);
        ConfigObject o = new ConfigObject("Pipeline", "a", objects.get(0).spec(), 7);
        Outcome outcome = new Outcome(7, List.of(new Outcome.ObjectOutcome("Pipeline", "a", Outcome.Effect.CREATED, 7),
                new Outcome.ObjectOutcome("HTTPServer", "b", Outcome.Effect.DELETED, 7)));
        ConfigCodec.State back = codec.decodeState(codec.encodeState(List.of(o), List.of(java.util.Map.entry("r1",
                outcome))));
        assertEquals(List.of(o), back.objects());
        assertEquals(List.of(java.util.Map.entry("r1", outcome)), back.requests());
        assertEquals("a snapshot of an older version has no request outcomes", List.of(),
                codec.decodeState("{\"objects\":[]}".getBytes(java.nio.charset.StandardCharsets.UTF_8)).requests());
        assertEquals(new ConfigObject("Pipeline", "a", o.spec(), 9), codec.decode(codec.encode(o), 9));
    }
}
