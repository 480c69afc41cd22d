package io.gatehouse.admin.internal;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gatehouse.api.config.ConfigService;
import io.gatehouse.api.config.PluginKindInfo;
import java.util.List;

/** Read-only views of the node: health (for probes and scripts) and the registered plugin kinds. */
final class StatusEndpoints {
    private final ConfigService config;
    private final Rendering rendering;

    StatusEndpoints(ConfigService config, Rendering rendering) {
        this.config = config;
        this.rendering = rendering;
    }

    void register(Router router) {
        router.get("/api/v1/health", this::health)
                .get("/api/v1/kinds", this::kinds);
    }

    private ApiResponse health(ApiRequest request) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put("status", "UP");
        node.put("appliedIndex", config.appliedIndex());
        node.put("objects", config.list(null).size());
        ArrayNode kinds = node.putArray("pluginKinds");
        config.pluginKinds().forEach(k -> kinds.add(k.name()));
        return ApiResponse.ok(node);
    }

    private ApiResponse kinds(ApiRequest request) {
        List<PluginKindInfo> kinds = config.pluginKinds();
        ArrayNode array = JsonNodeFactory.instance.arrayNode();
        kinds.forEach(k -> array.add(rendering.kind(k)));
        return ApiResponse.ok(array);
    }
}
