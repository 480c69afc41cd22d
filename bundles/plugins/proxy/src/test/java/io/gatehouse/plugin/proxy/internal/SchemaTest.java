package io.gatehouse.plugin.proxy.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gatehouse.plugin.proxy.internal.lb.Policy;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import org.junit.Test;

/** The published schema must describe exactly what the spec records bind. */
public class SchemaTest {

    private static Set<String> properties(JsonNode object) {
        Set<String> names = new TreeSet<>();
        object.get("properties").fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static Set<String> components(Class<?> record) {
        Set<String> names = new TreeSet<>();
        Arrays.stream(record.getRecordComponents()).map(RecordComponent::getName).forEach(names::add);
        return names;
    }

    @Test
    public void schemaMatchesTheSpecRecords() throws Exception {
        ProxyPluginKind kind = new ProxyPluginKind();
        assertThrows(IllegalStateException.class, kind::schema);
        kind.activate();
        JsonNode schema = new ObjectMapper().readTree(kind.schema());
        assertEquals("https://json-schema.org/draft/2020-12/schema", schema.get("$schema").asText());
        assertEquals(components(ProxySpec.class), properties(schema));
        JsonNode pool = schema.get("$defs").get("pool");
        assertEquals(components(ProxySpec.Pool.class), properties(pool));
        assertEquals(components(ProxySpec.Match.class), properties(pool.at("/properties/match")));
        assertEquals(components(ProxySpec.HeaderMatch.class), properties(pool.at("/properties/match/properties/headers/items")));
        assertEquals(components(ProxySpec.Server.class), properties(pool.at("/properties/servers/items")));
        JsonNode lb = pool.at("/properties/loadBalance");
        assertEquals(components(ProxySpec.LoadBalance.class), properties(lb));
        assertEquals(components(ProxySpec.HashKey.class), properties(lb.at("/properties/hashKey")));
        Set<String> policies = new TreeSet<>();
        lb.at("/properties/policy/enum").forEach(p -> policies.add(p.asText()));
        assertEquals(new TreeSet<>(Policy.specNames()), policies);
        assertEquals(ProxySpecValidator.MAX_SERVERS, pool.at("/properties/servers/maxItems").asInt());
    }
}
