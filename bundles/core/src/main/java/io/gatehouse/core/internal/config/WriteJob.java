package io.gatehouse.core.internal.config;

import io.gatehouse.api.config.ConfigException;
import io.gatehouse.api.config.ConfigObject;
import io.gatehouse.api.config.WriteMode;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * One write request as the leader handles it: a write of objects, or the delete of one object.
 *
 * @param requestId never empty (the receiving node makes one up when the client gave none)
 * @param mode      for a write; null for a delete
 * @param objects   for a write; empty for a delete
 * @param delete    the object to delete, or null for a write
 * @param boot      the embedded default at first start (see {@link Planner#write})
 * @param timeout   how long the client waits
 */
record WriteJob(String requestId, WriteMode mode, List<ConfigObject> objects, ObjectKey delete, boolean boot,
                Duration timeout) {
    WriteJob {
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(timeout, "timeout");
        objects = objects == null ? List.of() : java.util.Collections.unmodifiableList(new java.util.ArrayList<>(objects));
    }

    static WriteJob write(String requestId, WriteMode mode, List<ConfigObject> objects, boolean boot, Duration timeout) {
        return new WriteJob(requestId, Objects.requireNonNull(mode, "mode"), objects, null, boot, timeout);
    }

    static WriteJob delete(String requestId, String kind, String name, Duration timeout) {
        return new WriteJob(requestId, null, List.of(), new ObjectKey(kind, name), false, timeout);
    }

    Planner.Plan plan(Planner planner) throws ConfigException {
        return delete != null ? planner.delete(delete.kind(), delete.name()) : planner.write(mode, objects, boot);
    }

    /** The answer to the client from the outcome recorded for the request. */
    Outcome answer(Planner planner, Outcome recorded) {
        return delete != null ? recorded : planner.compose(objects, recorded);
    }
}
