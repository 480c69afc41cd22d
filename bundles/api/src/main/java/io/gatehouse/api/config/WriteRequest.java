package io.gatehouse.api.config;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * A write of one or more objects: one log entry, all or nothing.
 *
 * @param requestId identifies the request so that a retry is applied once (the first outcome is answered
 *                  again); null or empty: the service makes one up (no retry protection)
 * @param group     the group whose configuration to change; null: this node's group
 * @param mode      create, update or apply
 * @param objects   the objects, in order
 * @param timeout   how long the caller waits for the write to be committed and applied on this node
 * @since 1.3
 */
public record WriteRequest(String requestId, String group, WriteMode mode, List<ConfigObject> objects,
                           Duration timeout) {
    public WriteRequest {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(timeout, "timeout");
        objects = objects == null ? List.of() : java.util.Collections.unmodifiableList(new java.util.ArrayList<>(objects));
    }
}
