package io.gatehouse.core.internal.config;

import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.Test;

public class SpecEqualityTest {
    private final Json json = new Json();

    private JsonNode fromJson(String text) throws Exception {
        return json.json().readTree(text);
    }

    private JsonNode fromYaml(String text) throws Exception {
        return json.yaml().readTree(text);
    }

    @Test
    public void theSameDataInAnotherFormatIsTheSame() throws Exception {
        JsonNode stored = fromJson("{\"port\":10080,\"rules\":[{\"pathPrefix\":\"/a\",\"pipeline\":\"p\"}],"
                + "\"http2\":true,\"big\":5000000000,\"ratio\":0.5}");
        JsonNode yaml = fromYaml("""
                # a comment
                port: 10080
                rules:
                  - {pathPrefix: '/a', pipeline: "p"}
                http2: true
                big: 5000000000
                ratio: 0.50
                """);
        assertTrue(SpecEquality.same(stored, yaml));
        assertTrue(SpecEquality.same(yaml, stored));
        assertTrue("an int and a long of the same value", SpecEquality.same(fromJson("{\"a\":1}"),
                json.json().createObjectNode().put("a", 1L)));
    }

    @Test
    public void anyDifferenceInDataIsAChange() throws Exception {
        JsonNode base = fromJson("{\"status\":200,\"headers\":{\"A\":\"1\",\"B\":\"2\"},\"list\":[1,2]}");
        assertFalse("another value", SpecEquality.same(base,
                fromJson("{\"status\":201,\"headers\":{\"A\":\"1\",\"B\":\"2\"},\"list\":[1,2]}")));
        assertFalse("reordered fields (response headers are sent in order)", SpecEquality.same(base,
                fromJson("{\"status\":200,\"headers\":{\"B\":\"2\",\"A\":\"1\"},\"list\":[1,2]}")));
        assertFalse("reordered array", SpecEquality.same(base,
                fromJson("{\"status\":200,\"headers\":{\"A\":\"1\",\"B\":\"2\"},\"list\":[2,1]}")));
        assertFalse("an extra field", SpecEquality.same(base,
                fromJson("{\"status\":200,\"headers\":{\"A\":\"1\",\"B\":\"2\"},\"list\":[1,2],\"x\":null}")));
        assertFalse("a number written as text", SpecEquality.same(fromJson("{\"port\":80}"),
                fromJson("{\"port\":\"80\"}")));
        assertFalse("an integer and a decimal", SpecEquality.same(fromJson("{\"port\":80}"),
                fromJson("{\"port\":80.0}")));
        assertFalse("null and absent", SpecEquality.same(fromJson("{\"a\":null}"), fromJson("{}")));
    }
}
