package io.gatehouse.testkit;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.gatehouse.api.config.ConfigException;
import io.gatehouse.api.config.Violation;
import io.gatehouse.api.plugin.Plugin;
import java.util.List;
import org.junit.Test;

public class PluginHarnessTest {
    private final SampleKind kind = new SampleKind();
    private final PluginHarness<SampleKind.Spec> harness = PluginHarness.of(kind);

    private void assertOne(String spec, String path, String messageStart) {
        List<Violation> found = harness.violations(spec);
        assertEquals(found.toString(), 1, found.size());
        assertEquals(found.toString(), path, found.get(0).path());
        assertTrue(found.toString(), found.get(0).message().startsWith(messageStart));
    }

    @Test
    public void bindsJsonAndYamlAlike() throws Exception {
        SampleKind.Spec fromJson = harness.validSpec("{\"status\": 201, \"rules\": [{\"name\": \"a\", \"weight\": 2}]}");
        SampleKind.Spec fromYaml = harness.validSpec("""
            status: 201
            rules:
              - name: a
                weight: 2
            """);
        assertEquals(fromJson, fromYaml);
        assertEquals(new SampleKind.Rule("a", 2), fromYaml.rules().get(0));
        assertEquals("defaults of the spec type apply", SampleKind.Mode.ANSWER, harness.bind("{}").mode());
    }

    @Test
    public void unknownFieldsAreReportedAtTheirPath() {
        assertOne("rules: [{name: a, weight: 1}, {name: b, weight: 2, wieght: 1}]", "$.rules[1].wieght",
                "unknown field; known fields: name, weight");
        assertOne("stauts: 200", "$.stauts", "unknown field");
        assertOne("{\"rules\": [{\"name\": \"a\", \"weight\": 1, \"odd key\": 1}]}",
                "$.rules[0]['odd key']", "unknown field");
    }

    @Test
    public void wrongTypesAreReportedAtTheirPath() {
        assertOne("{\"rules\": [{\"name\": \"a\", \"weight\": \"2\"}]}", "$.rules[0].weight", "expected an integer");
        assertOne("{\"rules\": [{\"name\": \"a\", \"weight\": 1.5}]}", "$.rules[0].weight", "expected an integer");
        assertOne("{\"rules\": [{\"name\": \"a\", \"weight\": null}]}", "$.rules[0].weight",
                "is required: expected an integer");
        assertOne("{\"rules\": [{\"name\": \"a\"}]}", "$.rules[0].weight", "is required: expected an integer");
        assertOne("{\"mode\": \"SIDEWAYS\"}", "$.mode", "expected one of ANSWER, FORWARD");
        assertOne("{\"rules\": {\"name\": \"a\"}}", "$.rules", "expected a list");
        assertOne("rules: [{name: a, weight: yes}]", "$.rules[0].weight", "expected an integer");
    }

    @Test
    public void malformedTextAndMissingSpecAreReportedAtTheRoot() {
        assertOne("{\"status\": 200, \"status\": 201}", "$", "is not valid JSON: Duplicate field 'status'");
        assertOne("{\"status\": 200} {}", "$", "is not valid JSON");
        assertOne("status: [", "$", "is not valid YAML");
        assertOne("", "$", "is required by plugin kind 'sample'");
        assertOne("null", "$", "is required by plugin kind 'sample'");
    }

    @Test
    public void theKindsValidationReportsRelativePaths() throws Exception {
        List<Violation> found = harness.violations("""
            {"status": 42, "rules": [{"name": "a", "weight": 1}, {"name": "", "weight": 1}]}
            """);
        assertEquals(List.of(new Violation("$.status", "must be 100..599"), new Violation("$.rules[1].name", "is required")),
                found);
        ConfigException e = assertThrows(ConfigException.class, () -> harness.create("{\"status\": 42}"));
        assertEquals(400, e.status());
        assertEquals(ConfigException.INVALID, e.code());
        assertEquals(List.of(new Violation("$.status", "must be 100..599")), e.violations());
        assertEquals("binding alone does not validate", Integer.valueOf(42), harness.bind("{\"status\": 42}").status());
    }

    @Test
    public void aThrowingValidatorIsAViolationAsInTheGateway() {
        kind.throwInValidate = true;
        assertOne("{}", "$", "plugin kind 'sample' failed to validate the spec: java.lang.IllegalStateException: validator bug");
    }

    @Test
    public void bindFailuresThrowWithTheViolation() {
        ConfigException e = assertThrows(ConfigException.class, () -> harness.bind("{\"x\": 1}"));
        assertEquals(List.of("$.x"), e.violations().stream().map(Violation::path).toList());
        assertTrue(e.getMessage(), e.getMessage().contains("$.x: unknown field"));
    }

    @Test
    public void createsInstancesInSuccessiveGenerations() throws Exception {
        SampleKind.Instance first = (SampleKind.Instance) harness.named("orders", "answer").create("status: 204");
        assertEquals(1, first.context().generation());
        assertEquals("orders", first.context().pipeline());
        assertEquals("answer", first.context().plugin());
        SampleKind.Instance second = (SampleKind.Instance) harness.create("status: 202", first);
        assertEquals(2, second.context().generation());
        assertSame(first, second.previous());
        assertEquals(2, harness.generation());

        FakeExchange exchange = FakeExchange.get("/");
        RecordingCompletion done = new RecordingCompletion();
        second.handle(exchange, done);
        assertEquals("", done.result());
        assertEquals(202, exchange.response().status());
    }

    @Test
    public void createFromSkipsValidationAndPassesCreateFailuresThrough() throws Exception {
        Plugin unchecked = harness.createFrom(harness.bind("{\"status\": 42}"), null);
        assertNotNull(unchecked);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> harness.create("mode: FORWARD"));
        assertTrue(e.getMessage(), e.getMessage().contains("$.rules"));
        assertEquals("the default name is the kind's", "sample", ((SampleKind.Instance) unchecked).context().plugin());
    }
}
