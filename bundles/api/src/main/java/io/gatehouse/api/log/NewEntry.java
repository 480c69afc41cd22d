package io.gatehouse.api.log;

import java.util.Objects;

/**
 * An operation to append, before the log has given it an index.
 *
 * @param operation what to do
 * @param kind      object kind
 * @param name      object name
 * @param payload   the object as UTF-8 JSON for a PUT, empty for a DELETE
 */
public record NewEntry(Operation operation, String kind, String name, byte[] payload) {
    public NewEntry {
        Objects.requireNonNull(operation, "operation");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(name, "name");
        payload = payload == null ? new byte[0] : payload;
    }
}
