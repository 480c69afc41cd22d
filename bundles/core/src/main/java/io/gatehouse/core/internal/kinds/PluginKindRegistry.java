package io.gatehouse.core.internal.kinds;

import io.gatehouse.api.config.PluginKindInfo;
import io.gatehouse.api.plugin.PluginKind;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The plugin-kind whiteboard's state: every registration, and an immutable snapshot (name to
 * highest-ranked kind) republished on each change. Readers only touch the volatile snapshot.
 */
public final class PluginKindRegistry {
    private final List<KindEntry> registrations = new ArrayList<>();
    /** Every kind name registered since this node started (a stopped plugin bundle's kind stays known). */
    private final Set<String> seen = new TreeSet<>();
    private volatile Map<String, KindEntry> snapshot = Map.of();

    /** Adds a registration; returns the kind name whose winner may have changed. */
    public synchronized String add(KindEntry entry) {
        registrations.add(entry);
        seen.add(entry.name());
        republish();
        return entry.name();
    }

    /** Removes the registration of a kind object; returns its name, or null when it was not registered. */
    public synchronized String remove(PluginKind<?> kind) {
        for (int i = 0; i < registrations.size(); i++) {
            if (registrations.get(i).kind() == kind) {
                String name = registrations.remove(i).name();
                republish();
                return name;
            }
        }
        return null;
    }

    private void republish() {
        Map<String, KindEntry> next = new HashMap<>();
        for (KindEntry e : registrations) {
            next.merge(e.name(), e, (a, b) -> b.beats(a) ? b : a);
        }
        snapshot = Map.copyOf(next);
    }

    /** True when a kind of that name has been registered since this node started, even if it is gone now. */
    public synchronized boolean seen(String name) {
        return seen.contains(name);
    }

    /** The names of every kind registered since this node started, sorted. */
    public synchronized List<String> seenNames() {
        return List.copyOf(seen);
    }

    /** The winning registration per kind name. */
    public Map<String, KindEntry> snapshot() {
        return snapshot;
    }

    /** The winning kind objects per name. */
    public Map<String, PluginKind<?>> kinds() {
        Map<String, PluginKind<?>> out = new HashMap<>();
        snapshot.forEach((k, v) -> out.put(k, v.kind()));
        return out;
    }

    public List<PluginKindInfo> infos() {
        List<PluginKindInfo> out = new ArrayList<>();
        snapshot.values().forEach(e -> out.add(e.info()));
        out.sort(Comparator.comparing(PluginKindInfo::name));
        return out;
    }
}
