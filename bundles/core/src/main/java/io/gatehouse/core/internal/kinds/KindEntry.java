package io.gatehouse.core.internal.kinds;

import com.fasterxml.jackson.databind.JsonNode;
import io.gatehouse.api.config.PluginKindInfo;
import io.gatehouse.api.plugin.PluginKind;

/**
 * A registered plugin kind with what the registry knows of its service: ranking and id for choosing
 * between two registrations of one name, the bundle that provides it, and its schema parsed once.
 */
public record KindEntry(PluginKind<?> kind, String name, int ranking, long serviceId, String bundle, String version,
                        JsonNode schema) {

    /** True when this entry wins over {@code other} (higher ranking, then lower service id). */
    boolean beats(KindEntry other) {
        if (ranking != other.ranking) {
            return ranking > other.ranking;
        }
        return serviceId < other.serviceId;
    }

    public PluginKindInfo info() {
        return new PluginKindInfo(name, kind.description(), kind.results(), schema, bundle, version);
    }
}
