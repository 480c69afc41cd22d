package ${package}.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.gatehouse.api.config.Violation;
import io.gatehouse.api.plugin.Plugin;
import io.gatehouse.testkit.FakeExchange;
import io.gatehouse.testkit.PluginHarness;
import io.gatehouse.testkit.RecordingCompletion;
import java.util.List;
import org.junit.Test;

/** The kind as the gateway runs it: the spec's rules, and what an instance does to an exchange. */
public class ${className}PluginTest {
    private final PluginHarness<${className}Spec> harness = PluginHarness.of(new ${className}PluginKind());

    @Test
    public void aBadSpecIsRefusedAtTheFieldsPath() {
        List<Violation> v = harness.violations("{\"header\": \"not a header\"}");
        assertEquals(List.of("$.header", "$.value"), v.stream().map(Violation::path).toList());
        assertFalse(harness.violations("{\"header\": \"X-A\", \"value\": \"1\", \"extra\": 1}").isEmpty());
    }

    @Test
    public void theResponseOfTheRestOfThePipelineGetsTheHeader() throws Exception {
        Plugin plugin = harness.create("{\"header\": \"X-Served-By\", \"value\": \"${kind}\"}");
        FakeExchange exchange = FakeExchange.get("/");
        RecordingCompletion done = new RecordingCompletion().rest(() -> exchange.respond(200));
        plugin.handle(exchange, done);
        assertEquals(1, done.proceeds());
        assertEquals("", done.result());
        assertEquals("${kind}", exchange.response().headers().get("X-Served-By"));
    }

    @Test
    public void theCountSurvivesANewInstance() throws Exception {
        String spec = "{\"header\": \"X-A\", \"value\": \"1\"}";
        Plugin first = harness.create(spec);
        for (int i = 0; i < 3; i++) {
            FakeExchange exchange = FakeExchange.get("/");
            first.handle(exchange, new RecordingCompletion().rest(() -> exchange.respond(204)));
        }
        harness.close(first);
        ${className}Plugin second = (${className}Plugin) harness.create(spec, first);
        assertEquals(3, second.marked());
        assertTrue(harness.timers().isEmpty());
    }
}
