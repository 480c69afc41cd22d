package io.gatehouse.core.internal.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * Futures waiting for this node's applied index to reach an index (read-your-writes on the node written
 * to). Completed by {@link #appliedTo}; a waiter whose future is completed otherwise (its deadline passed) is
 * dropped. Thread-safe.
 */
final class AppliedWaiters {
    private final TreeMap<Long, List<CompletableFuture<Void>>> waiting = new TreeMap<>();
    private long applied;

    /** A future completed once the applied index is at least {@code index} (at once if it is already). */
    CompletableFuture<Void> await(long index) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        synchronized (this) {
            if (applied >= index) {
                f.complete(null);
                return f;
            }
            waiting.computeIfAbsent(index, k -> new ArrayList<>()).add(f);
        }
        f.whenComplete((v, e) -> {
            if (e != null) {
                forget(index, f);
            }
        });
        return f;
    }

    private synchronized void forget(long index, CompletableFuture<Void> f) {
        List<CompletableFuture<Void>> list = waiting.get(index);
        if (list != null && list.remove(f) && list.isEmpty()) {
            waiting.remove(index);
        }
    }

    /** The applied index moved to {@code index}: completes every waiter at or below it. */
    void appliedTo(long index) {
        List<CompletableFuture<Void>> due = new ArrayList<>();
        synchronized (this) {
            applied = index;
            Map<Long, List<CompletableFuture<Void>>> head = waiting.headMap(index, true);
            head.values().forEach(due::addAll);
            head.clear();
        }
        due.forEach(f -> f.complete(null));
    }

    synchronized int size() {
        return waiting.values().stream().mapToInt(List::size).sum();
    }
}
