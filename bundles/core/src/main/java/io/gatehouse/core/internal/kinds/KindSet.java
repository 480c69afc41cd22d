package io.gatehouse.core.internal.kinds;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An immutable view of the registered plugin kinds: every version of every kind name, highest version first
 * (for one version, the winning registration first: higher ranking, then older service).
 */
public final class KindSet {
    public static final KindSet EMPTY = new KindSet(Map.of());

    private static final Comparator<KindEntry> ORDER = (a, b) -> {
        int c = VersionSpec.version(b.version()).compareTo(VersionSpec.version(a.version()));
        if (c != 0) {
            return c;
        }
        return a.beats(b) ? -1 : b.beats(a) ? 1 : 0;
    };

    private final Map<String, List<KindEntry>> byName;

    private KindSet(Map<String, List<KindEntry>> byName) {
        this.byName = byName;
    }

    /** The set of these registrations. */
    public static KindSet of(Iterable<KindEntry> entries) {
        Map<String, List<KindEntry>> m = new HashMap<>();
        for (KindEntry e : entries) {
            m.computeIfAbsent(e.name(), n -> new ArrayList<>()).add(e);
        }
        Map<String, List<KindEntry>> sorted = new HashMap<>();
        m.forEach((name, list) -> {
            list.sort(ORDER);
            sorted.put(name, List.copyOf(list));
        });
        return new KindSet(Map.copyOf(sorted));
    }

    /** One registration per name (tests, and callers that know one version). */
    public static KindSet of(Map<String, KindEntry> entries) {
        return of(entries.values());
    }

    public boolean has(String name) {
        return byName.containsKey(name);
    }

    /** Every version of a kind, highest first; empty when none is registered. */
    public List<KindEntry> versions(String name) {
        return byName.getOrDefault(name, List.of());
    }

    /** Every kind name registered. */
    public java.util.Set<String> names() {
        return byName.keySet();
    }

    /** The highest registered version of {@code name} that {@code spec} accepts (any when null), or null. */
    public KindEntry resolve(String name, VersionSpec spec) {
        for (KindEntry e : versions(name)) {
            if (spec == null || spec.matches(e.version())) {
                // among registrations of the same version the first one wins; skip shadowed ones
                return e;
            }
        }
        return null;
    }

    /** The installed versions of {@code name}, for messages: {@code 1.0.0, 2.0.0} or {@code none}. */
    public String describe(String name) {
        List<KindEntry> v = versions(name);
        if (v.isEmpty()) {
            return "none";
        }
        List<String> out = new ArrayList<>();
        for (int i = v.size() - 1; i >= 0; i--) {
            if (!out.contains(v.get(i).version())) {
                out.add(v.get(i).version());
            }
        }
        return String.join(", ", out);
    }
}
