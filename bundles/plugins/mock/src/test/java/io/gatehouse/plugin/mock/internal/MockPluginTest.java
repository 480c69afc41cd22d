package io.gatehouse.plugin.mock.internal;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gatehouse.api.plugin.Plugin;
import io.gatehouse.testkit.FakeExchange;
import io.gatehouse.testkit.FakeRequest;
import io.gatehouse.testkit.PluginHarness;
import io.gatehouse.testkit.RecordingCompletion;
import java.lang.reflect.RecordComponent;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.Before;
import org.junit.Test;

public class MockPluginTest {
    private final MockPluginKind kind = new MockPluginKind();
    private final PluginHarness<MockSpec> harness = PluginHarness.of(kind).named("demo", "mock");

    @Before
    public void activate() {
        kind.activate();
    }

    private Plugin create(String json) throws Exception {
        return harness.create(json);
    }

    @Test
    public void kindDescribesItself() {
        assertEquals("mock", kind.name());
        assertEquals(List.of(), kind.results());
        assertSame(MockSpec.class, kind.specType());
        assertFalse(kind.description().isEmpty());
    }

    @Test
    public void answersWithStatusHeadersAndBody() throws Exception {
        Plugin plugin = create("""
            {"status": 418, "headers": {"X-Mock": "yes", "Cache-Control": "no-store"}, "body": "héllo\\n"}
            """);
        FakeExchange exchange = FakeExchange.get("/teapot");
        RecordingCompletion done = new RecordingCompletion();
        plugin.handle(exchange, done);
        assertEquals("", done.result());
        assertNull("never forwards", exchange.forwardedTo());
        assertEquals(418, exchange.response().status());
        assertFalse(exchange.response().fromUpstream());
        assertEquals("yes", exchange.response().headers().get("X-Mock"));
        assertEquals("no-store", exchange.response().headers().get("Cache-Control"));
        assertEquals("text/plain; charset=utf-8", exchange.response().headers().get("Content-Type"));
        assertArrayEquals("héllo\n".getBytes(StandardCharsets.UTF_8), exchange.response().body());
        assertEquals("7", exchange.response().headers().get("Content-Length"));
    }

    @Test
    public void specContentTypeWinsAndEmptyResponsesHaveNone() throws Exception {
        FakeExchange typed = FakeExchange.get("/");
        create("{\"headers\": {\"content-type\": \"text/html\"}, \"body\": \"<p>\"}").handle(typed,
                new RecordingCompletion());
        assertEquals(List.of("text/html"), typed.response().headers().getAll("Content-Type"));

        FakeExchange empty = FakeExchange.get("/");
        RecordingCompletion done = new RecordingCompletion();
        create("{\"status\": 204}").handle(empty, done);
        assertEquals("", done.result());
        assertEquals(204, empty.response().status());
        assertNull(empty.response().headers().get("Content-Type"));
        assertEquals(0, empty.response().body().length);
    }

    @Test
    public void echoesTheRequestAsJson() throws Exception {
        Plugin plugin = create("{\"echo\": true, \"status\": 202}");
        FakeRequest request = new FakeRequest("POST", "/orders/7?x=%20y").protocol("HTTP/2.0")
                .header("Host", "api.example.com").header("X-Tag", "a").header("x-tag", "b");
        FakeExchange exchange = new FakeExchange(request, new InetSocketAddress("127.0.0.1", 51234));
        RecordingCompletion done = new RecordingCompletion();
        plugin.handle(exchange, done);
        assertEquals("", done.result());
        assertEquals(202, exchange.response().status());
        assertEquals("application/json", exchange.response().headers().get("Content-Type"));
        JsonNode echo = new ObjectMapper().readTree(exchange.response().body());
        assertEquals("POST", echo.get("method").asText());
        assertEquals("/orders/7?x=%20y", echo.get("uri").asText());
        assertEquals("HTTP/2.0", echo.get("protocol").asText());
        assertEquals("127.0.0.1:51234", echo.get("remoteAddress").asText());
        assertEquals("[[\"Host\",\"api.example.com\"],[\"X-Tag\",\"a\"],[\"x-tag\",\"b\"]]",
                echo.get("headers").toString());
        assertEquals(Set.of("method", "uri", "protocol", "headers", "remoteAddress"), fieldNames(echo));

        FakeExchange v6 = new FakeExchange(new FakeRequest("GET", "/"), new InetSocketAddress("::1", 443));
        plugin.handle(v6, new RecordingCompletion());
        JsonNode echo6 = new ObjectMapper().readTree(v6.response().body());
        assertEquals("[0:0:0:0:0:0:0:1]:443", echo6.get("remoteAddress").asText());
        assertEquals(0, echo6.get("headers").size());
    }

    private static Set<String> fieldNames(JsonNode node) {
        Set<String> names = new TreeSet<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    public void createRefusesAnInvalidSpec() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> harness.createFrom(harness.bind("{\"status\": 42}"), null));
        assertTrue(e.getMessage(), e.getMessage().contains("$.status"));
    }

    @Test
    public void schemaMatchesTheSpecRecord() throws Exception {
        MockPluginKind inactive = new MockPluginKind();
        assertThrows(IllegalStateException.class, inactive::schema);
        JsonNode schema = new ObjectMapper().readTree(kind.schema());
        assertEquals("https://json-schema.org/draft/2020-12/schema", schema.get("$schema").asText());
        Set<String> components = Arrays.stream(MockSpec.class.getRecordComponents()).map(RecordComponent::getName)
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(components, fieldNames(schema.get("properties")));
    }
}
