package io.gatehouse.api.config;

import java.util.Objects;

/**
 * What a write did to one of its objects.
 *
 * @param object the object as stored once the write is done: with the revision that write gave it, or, when
 *               {@link Change#UNCHANGED}, the object that was already stored, with its earlier revision
 * @param change whether the write created the object, replaced it, or left it as it was
 */
public record WriteResult(ConfigObject object, Change change) {
    public WriteResult {
        Objects.requireNonNull(object, "object");
        Objects.requireNonNull(change, "change");
    }

    /** What a write did to one object. */
    public enum Change {
        /** The object did not exist; it was logged and applied. */
        CREATED,
        /** The object existed with another spec; the new one was logged and applied. */
        UPDATED,
        /**
         * The object existed with the same spec: nothing was logged or rebuilt and its revision stayed. A server
         * that was waiting to bind its port tries again at once.
         */
        UNCHANGED
    }
}
