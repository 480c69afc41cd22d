package io.gatehouse.api.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Collects {@link Violation}s while a spec is checked. A collector is positioned at a JSON path; {@link #at}
 * returns a collector for a child field or index, so a validator only names fields relative to where it is.
 * Not thread-safe: one validation runs on one thread.
 */
public final class Violations {
    private final String path;
    private final List<Violation> sink;

    private Violations(String path, List<Violation> sink) {
        this.path = path;
        this.sink = sink;
    }

    /** A new, empty collector at the root path {@code $}. */
    public static Violations root() {
        return new Violations("$", new ArrayList<>());
    }

    /** A new, empty collector at the given absolute path. */
    public static Violations at(String absolutePath, List<Violation> sink) {
        return new Violations(absolutePath, sink);
    }

    /** A collector for a child field, sharing this collector's list. */
    public Violations at(String field) {
        return new Violations(path + "." + field, sink);
    }

    /** A collector for an array element, sharing this collector's list. */
    public Violations at(int index) {
        return new Violations(path + "[" + index + "]", sink);
    }

    /** The JSON path this collector reports at. */
    public String path() {
        return path;
    }

    /** Records a violation at this collector's path. */
    public Violations add(String message) {
        sink.add(new Violation(path, message));
        return this;
    }

    /** Records a violation at a child field of this collector's path. */
    public Violations add(String field, String message) {
        sink.add(new Violation(path + "." + field, message));
        return this;
    }

    /** Records a violation when {@code condition} is false; returns the condition. */
    public boolean check(boolean condition, String field, String message) {
        if (!condition) {
            add(field, message);
        }
        return condition;
    }

    public boolean isEmpty() {
        return sink.isEmpty();
    }

    /** Everything collected so far through this collector or any collector derived from it. */
    public List<Violation> list() {
        return Collections.unmodifiableList(sink);
    }

    /** Throws a {@link ConfigException} (400) when anything was collected. */
    public void throwIfAny() throws ConfigException {
        if (!sink.isEmpty()) {
            throw ConfigException.invalid(List.copyOf(sink));
        }
    }
}
