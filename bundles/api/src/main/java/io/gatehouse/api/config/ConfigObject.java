package io.gatehouse.api.config;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;

/**
 * One configuration object as submitted and stored: {@code kind}, {@code name} and the kind-specific
 * {@code spec}. Instances are immutable by contract: the spec node must not be modified once the object
 * has been created (take {@link ObjectNode#deepCopy()} first).
 *
 * @param kind     object kind, for example {@code HTTPServer} or {@code Pipeline}
 * @param name     object name, unique within its kind: {@code [A-Za-z0-9][A-Za-z0-9._-]{0,62}}
 * @param spec     kind-specific settings
 * @param revision index of the operation-log entry that last wrote the object; 0 for an object not yet applied
 */
public record ConfigObject(String kind, String name, ObjectNode spec, long revision) {
    public ConfigObject {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(spec, "spec");
    }

    /** The object's key, {@code kind/name}. */
    public String key() {
        return kind + "/" + name;
    }
}
