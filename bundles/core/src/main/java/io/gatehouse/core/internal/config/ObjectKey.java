package io.gatehouse.core.internal.config;

import java.util.Comparator;

/** Identity of a configuration object; sorts by kind, then name. */
public record ObjectKey(String kind, String name) implements Comparable<ObjectKey> {
    private static final Comparator<ObjectKey> ORDER =
            Comparator.comparing(ObjectKey::kind).thenComparing(ObjectKey::name);

    @Override
    public int compareTo(ObjectKey o) {
        return ORDER.compare(this, o);
    }

    @Override
    public String toString() {
        return kind + "/" + name;
    }
}
