package io.gatehouse.core.internal.config;

import java.util.List;

/**
 * What one write request did: the index of its log entry (0 when nothing changed and nothing was logged)
 * and, per object it names, the effect and the revision the object has afterwards. Immutable; the same on
 * every node that applied the entry.
 *
 * @param index   the entry's log index, or 0 when the request changed nothing
 * @param objects the objects, in the order the request named them (for a recorded outcome: the order of the
 *                entry's changes)
 */
public record Outcome(long index, List<ObjectOutcome> objects) {
    public Outcome {
        objects = List.copyOf(objects);
    }

    /** What happened to one object. */
    public enum Effect { CREATED, UPDATED, UNCHANGED, DELETED }

    /**
     * One object's part of an outcome.
     *
     * @param revision the object's revision afterwards (the entry's index unless {@link Effect#UNCHANGED})
     */
    public record ObjectOutcome(String kind, String name, Effect effect, long revision) {
        ObjectKey key() {
            return new ObjectKey(kind, name);
        }
    }

    /** The recorded effect on {@code key}, or null when the entry did not change it. */
    ObjectOutcome find(ObjectKey key) {
        for (ObjectOutcome o : objects) {
            if (o.kind().equals(key.kind()) && o.name().equals(key.name())) {
                return o;
            }
        }
        return null;
    }
}
