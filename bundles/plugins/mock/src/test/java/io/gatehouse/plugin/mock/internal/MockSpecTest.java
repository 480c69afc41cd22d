package io.gatehouse.plugin.mock.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import io.gatehouse.api.config.Violation;
import io.gatehouse.api.config.Violations;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.Test;

public class MockSpecTest {
    static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    private final MockPluginKind kind = new MockPluginKind();

    static MockSpec bind(String json) throws Exception {
        return MAPPER.readValue(json, MockSpec.class);
    }

    private void assertViolations(String json, String... expected) throws Exception {
        Violations v = Violations.root();
        kind.validate(bind(json), v);
        List<Violation> found = v.list();
        String all = found.stream().map(Violation::toString).collect(Collectors.joining("\n"));
        assertEquals(all, expected.length, found.size());
        for (int i = 0; i < expected.length; i++) {
            assertTrue("expected " + expected[i] + " in\n" + all, found.get(i).toString().startsWith(expected[i]));
        }
    }

    @Test
    public void defaults() throws Exception {
        MockSpec spec = bind("{}");
        assertEquals(Integer.valueOf(200), spec.status());
        assertTrue(spec.headers().isEmpty());
        assertNull(spec.body());
        assertFalse(spec.echo());
        assertViolations("{}");
    }

    @Test
    public void documentedExampleIsValid() throws Exception {
        assertViolations("""
            {"status": 200, "headers": {"Content-Type": "text/plain; charset=utf-8"}, "body": "hello\\n", "echo": false}
            """);
        assertViolations("{\"status\": 201, \"echo\": true, \"headers\": {\"X-Mock\": \"1\"}}");
        assertViolations("{\"status\": 204}");
        assertViolations("{\"status\": 599, \"body\": \"\"}");
    }

    @Test
    public void statusRules() throws Exception {
        assertViolations("{\"status\": 99}", "$.status: must be 100..599, found 99");
        assertViolations("{\"status\": 600}", "$.status: must be 100..599, found 600");
        assertViolations("{\"status\": 101}", "$.status: a 1xx status is an interim response");
        assertViolations("{\"status\": 204, \"body\": \"x\"}", "$.body: a 204 response has no body");
        assertViolations("{\"status\": 304, \"echo\": true}", "$.echo: a 304 response has no body");
    }

    @Test
    public void headerAndBodyRules() throws Exception {
        assertViolations("""
            {"headers": {"Bad Name": "1", "Content-Length": "5", "X-Split": "a\\r\\nInjected: 1", "X-Null": null},
             "body": "x", "echo": true}
            """,
                "$.headers.Bad Name: 'Bad Name' is not a valid header name",
                "$.headers.Content-Length: Content-Length is set by the gateway",
                "$.headers.X-Split: a header value must be visible ASCII characters",
                "$.headers.X-Null: a header value must be a string",
                "$.echo: echo replaces the body");
        assertViolations("{\"body\": \"" + "x".repeat(MockSpecValidator.MAX_BODY + 1) + "\"}",
                "$.body: at most 1048576 bytes");
    }

    @Test
    public void headerValuesThatAreNotFieldValuesAreRefused() throws Exception {
        // each was accepted, then sent to every client as is: control characters, mangled non-ASCII
        assertViolations("""
            {"headers": {"X-Ctl": "a\\u0001b", "X-Del": "a\\u007fb", "X-Lead": " v", "X-Trail": "v\\t", "X-Utf": "caf\\u00e9",
                         "X-Fine": "a b\\tc", "X-Empty": ""}}
            """,
                "$.headers.X-Ctl: a header value must be visible ASCII",
                "$.headers.X-Del: a header value must be visible ASCII",
                "$.headers.X-Lead: a header value must be visible ASCII",
                "$.headers.X-Trail: a header value must be visible ASCII",
                "$.headers.X-Utf: a header value must be visible ASCII");
    }

    @Test
    public void bindingRejectsUnknownFieldsAndWrongTypes() {
        UnrecognizedPropertyException unknown = assertThrows(UnrecognizedPropertyException.class,
                () -> bind("{\"stauts\": 200}"));
        assertEquals("stauts", unknown.getPropertyName());
        MismatchedInputException wrongType = assertThrows(MismatchedInputException.class,
                () -> bind("{\"echo\": {\"on\": true}}"));
        assertTrue(wrongType.getPathReference(), wrongType.getPathReference().contains("echo"));
    }
}
