package io.gatehouse.core.internal.engine;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gatehouse.core.internal.kinds.VersionSpec;
import java.util.Map;

/**
 * One plugin of a pipeline as configured, before its kind has bound the spec.
 *
 * @param name   name within the pipeline
 * @param kind   plugin kind name
 * @param spec   the kind's spec (an empty object when omitted)
 * @param jumpIf declared result to later plugin name or {@code END}
 * @param version the versions of the kind it accepts, or null for the highest registered
 * @param canary  another version that takes a share of the requests, or null
 */
public record PluginDefinition(String name, String kind, ObjectNode spec, Map<String, String> jumpIf,
                               VersionSpec version, Canary canary) {

    /** A plugin of the highest registered version, without canary. */
    public PluginDefinition(String name, String kind, ObjectNode spec, Map<String, String> jumpIf) {
        this(name, kind, spec, jumpIf, null, null);
    }

    /**
     * The canary: {@code weight} percent of the requests, or the requests whose {@code header} has {@code value}
     * (then weight is 0), go to the highest registered version that {@code version} accepts.
     */
    public record Canary(VersionSpec version, int weight, String header, String value) {
    }
}
