package io.gatehouse.core.internal.engine;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;

/**
 * One plugin of a pipeline as configured, before its kind has bound the spec.
 *
 * @param name   name within the pipeline
 * @param kind   plugin kind name
 * @param spec   the kind's spec (an empty object when omitted)
 * @param jumpIf declared result to later plugin name or {@code END}
 */
public record PluginDefinition(String name, String kind, ObjectNode spec, Map<String, String> jumpIf) {
}
