package io.gatehouse.admin.internal;

import static org.junit.Assert.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.gatehouse.api.config.ConfigObject;
import io.gatehouse.api.config.ObjectStatus;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.Test;

public class RenderingTest {
    private final Rendering rendering = new Rendering();
    private final ObjectMapper json = new ObjectMapper();
    private final ObjectMapper yaml = new ObjectMapper(new YAMLFactory());

    @Test
    public void yamlKeepsTheTypeOfTrickyStrings() throws Exception {
        ObjectNode spec = json.createObjectNode();
        String[] tricky = {"1", "1.5", "0x10", "true", "yes", "no", "on", "off", "null", "~", "", " lead", ": x",
            "- a", "#c", "a: b", "a #b", "{x}", "[1]", "'q'", "\"dq\"", "multi\nline\n", "1e3", "2026-01-01", "*ref"};
        for (int i = 0; i < tricky.length; i++) {
            spec.put("s" + i, tricky[i]);
        }
        spec.put("n", 42).put("b", true).putNull("z");
        ConfigObject object = new ConfigObject("Pipeline", "p", spec, 7);
        ObjectStatus status = ObjectStatus.notReady("plugin kind 'yes' is not installed: true");
        String text = new String(rendering.yaml(rendering.object(object, status), false), StandardCharsets.UTF_8);
        JsonNode back = yaml.readTree(text);
        // compared as JSON text: numbers read back as int nodes where they were written from longs
        assertEquals(text, rendering.object(object, status).toString(), back.toString());
    }

    @Test
    public void objectListsBecomeAMultiDocumentStream() throws Exception {
        ArrayNode list = rendering.objects(List.of(
                new ConfigObject("Pipeline", "a", json.createObjectNode(), 1),
                new ConfigObject("Pipeline", "b", json.createObjectNode(), 2)),
                o -> o.name().equals("a") ? ObjectStatus.READY : ObjectStatus.notReady("plugin kind 'x' is not installed"));
        String text = new String(rendering.yaml(list, true), StandardCharsets.UTF_8);
        List<JsonNode> docs = yaml.readerFor(JsonNode.class).<JsonNode>readValues(text).readAll();
        assertEquals(2, docs.size());
        assertEquals(list.get(0).toString(), docs.get(0).toString());
        assertEquals(list.get(1).toString(), docs.get(1).toString());
        assertEquals(list.toString(),
                yaml.readTree(new String(rendering.yaml(list, false), StandardCharsets.UTF_8)).toString());
    }

    @Test
    public void objectsCarryTheirStatusLast() {
        ConfigObject object = new ConfigObject("HTTPServer", "s", json.createObjectNode().put("port", 80), 3);
        assertEquals("{\"kind\":\"HTTPServer\",\"name\":\"s\",\"spec\":{\"port\":80},\"revision\":3,"
                + "\"status\":{\"ready\":true}}", rendering.object(object, ObjectStatus.READY).toString());
        assertEquals("{\"ready\":false,\"reason\":\"not bound: 127.0.0.1:80: in use\"}",
                rendering.status(ObjectStatus.notReady("not bound: 127.0.0.1:80: in use")).toString());
    }

    @Test
    public void errorsHaveAFixedShape() {
        assertEquals("{\"status\":413,\"error\":\"payload_too_large\",\"message\":\"m\",\"violations\":[]}",
                new String(rendering.json(rendering.error(413, Rendering.codeFor(413), "m", List.of())),
                        StandardCharsets.UTF_8));
    }
}
