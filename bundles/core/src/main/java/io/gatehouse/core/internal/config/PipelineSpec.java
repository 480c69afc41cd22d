package io.gatehouse.core.internal.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/** The spec of a Pipeline as written; each plugin's own spec stays a tree until its kind binds it. */
public record PipelineSpec(List<Plugin> plugins) {

    /** One plugin entry: {@code version} pins the kind's version (exact or range); {@code canary} splits traffic. */
    public record Plugin(String name, String kind, String version, Canary canary, JsonNode spec,
                         Map<String, String> jumpIf) {
    }

    /** A share of the requests (or those carrying a header) goes to another version of the same kind. */
    public record Canary(String version, Integer weight, Header header) {
    }

    /** A header condition: the field has this exact value. */
    public record Header(String name, String value) {
    }
}
