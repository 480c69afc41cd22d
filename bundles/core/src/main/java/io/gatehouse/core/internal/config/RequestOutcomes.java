package io.gatehouse.core.internal.config;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The outcomes of the last {@link #capacity} write requests, by request id, oldest first (in log order).
 * Part of the replicated state: every node records the same outcomes while applying the same entries, and
 * snapshots carry them, so a retried request is recognised (and answered with its first outcome) on any
 * node, after a leader change or a restart. Configuration thread only, except {@link #get}.
 */
final class RequestOutcomes {
    static final int DEFAULT_CAPACITY = 10_000;

    private final int capacity;
    private final LinkedHashMap<String, Outcome> byId = new LinkedHashMap<>();

    RequestOutcomes(int capacity) {
        this.capacity = capacity;
    }

    synchronized Outcome get(String requestId) {
        return requestId == null || requestId.isEmpty() ? null : byId.get(requestId);
    }

    /** Records an outcome, dropping the oldest beyond the capacity. */
    synchronized void record(String requestId, Outcome outcome) {
        if (requestId == null || requestId.isEmpty()) {
            return;
        }
        byId.put(requestId, outcome);
        Iterator<Map.Entry<String, Outcome>> it = byId.entrySet().iterator();
        while (byId.size() > capacity && it.hasNext()) {
            it.next();
            it.remove();
        }
    }

    /** Replaces everything (a snapshot was loaded). */
    synchronized void replace(List<Map.Entry<String, Outcome>> entries) {
        byId.clear();
        entries.forEach(e -> record(e.getKey(), e.getValue()));
    }

    /** Everything, oldest first (for a snapshot). */
    synchronized List<Map.Entry<String, Outcome>> entries() {
        List<Map.Entry<String, Outcome>> out = new ArrayList<>(byId.size());
        byId.forEach((k, v) -> out.add(Map.entry(k, v)));
        return out;
    }

    synchronized int size() {
        return byId.size();
    }
}
