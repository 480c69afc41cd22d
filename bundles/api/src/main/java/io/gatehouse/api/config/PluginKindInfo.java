package io.gatehouse.api.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * What the gateway knows about a registered plugin kind.
 *
 * @param name        the kind's name, as used in a pipeline's {@code plugins[].kind}
 * @param description one sentence about what the kind does
 * @param results     the non-empty results an instance may complete with (targets for {@code jumpIf})
 * @param schema      JSON schema of the kind's spec
 * @param bundle      symbolic name of the bundle that registered the kind
 * @param version     that bundle's version
 */
public record PluginKindInfo(String name, String description, List<String> results, JsonNode schema,
                             String bundle, String version) {
}
