package io.gatehouse.core.internal.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/** The spec of a Pipeline as written; each plugin's own spec stays a tree until its kind binds it. */
public record PipelineSpec(List<Plugin> plugins) {

    /** One plugin entry. */
    public record Plugin(String name, String kind, JsonNode spec, Map<String, String> jumpIf) {
    }
}
