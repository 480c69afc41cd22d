package io.gatehouse.api.config;

import java.time.Duration;
import java.util.Objects;

/**
 * A delete of one object: one log entry.
 *
 * @param requestId as for {@link WriteRequest#requestId()}
 * @param group     as for {@link WriteRequest#group()}
 * @param kind      object kind
 * @param name      object name
 * @param timeout   as for {@link WriteRequest#timeout()}
 * @since 1.3
 */
public record DeleteRequest(String requestId, String group, String kind, String name, Duration timeout) {
    public DeleteRequest {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(timeout, "timeout");
    }
}
