package io.gatehouse.core.internal.kinds;

import io.gatehouse.api.config.PluginKindInfo;
import io.gatehouse.api.plugin.PluginKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The plugin-kind whiteboard's state: every registration, and an immutable snapshot of every version of every
 * kind ({@link KindSet}) republished on each change. Readers only touch the volatile snapshot.
 */
public final class PluginKindRegistry {
    private final List<KindEntry> registrations = new ArrayList<>();
    /** Every kind name registered since this node started (a stopped plugin bundle's kind stays known). */
    private final Set<String> seen = new TreeSet<>();
    private volatile KindSet snapshot = KindSet.EMPTY;

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
        snapshot = KindSet.of(new ArrayList<>(registrations));
    }

    /** True when a kind of that name has been registered since this node started, even if it is gone now. */
    public synchronized boolean seen(String name) {
        return seen.contains(name);
    }

    /** The names of every kind registered since this node started, sorted. */
    public synchronized List<String> seenNames() {
        return List.copyOf(seen);
    }

    /** Every version of every registered kind. */
    public KindSet snapshot() {
        return snapshot;
    }

    /** One entry per registered version of each kind (its winning registration), by name, then version. */
    public List<PluginKindInfo> infos() {
        KindSet set = snapshot;
        List<PluginKindInfo> out = new ArrayList<>();
        for (String name : new TreeSet<>(set.names())) {
            List<PluginKindInfo> winners = new ArrayList<>();
            String last = null;
            for (KindEntry e : set.versions(name)) {
                if (!e.version().equals(last)) {
                    winners.add(e.info());
                    last = e.version();
                }
            }
            java.util.Collections.reverse(winners);
            out.addAll(winners);
        }
        return out;
    }
}
