package io.gatehouse.api.log;

import java.util.Objects;

/**
 * One change to one object, as carried by a log entry. An entry holds the changes of one write request
 * (a whole batch), applied together or not at all.
 *
 * @param operation what to do
 * @param kind      object kind
 * @param name      object name
 * @param payload   the object as UTF-8 JSON for a PUT, empty for a DELETE
 */
public record Change(Operation operation, String kind, String name, byte[] payload) {
    public Change {
        Objects.requireNonNull(operation, "operation");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(name, "name");
        payload = payload == null ? new byte[0] : payload;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Change c && operation == c.operation && kind.equals(c.kind) && name.equals(c.name)
                && java.util.Arrays.equals(payload, c.payload);
    }

    @Override
    public int hashCode() {
        return Objects.hash(operation, kind, name, java.util.Arrays.hashCode(payload));
    }

    @Override
    public String toString() {
        return operation + " " + kind + "/" + name;
    }
}
