package io.gatehouse.cluster.internal.replication;

/** The leader's view of one other member of its group (confined to the core's thread). */
final class Peer {
    final String name;
    final boolean voter;
    long nextIndex = 1;
    long matchIndex;
    boolean inflight;
    int failures;
    long retryAtNanos;
    long lastHeardNanos;
    boolean heard;
    long appliedIndex = -1;
    long sentCommit = -1;
    long lastCheckNanos;
    boolean needsRepair;
    Scheduler.Cancellable retry;

    Peer(String name, boolean voter, long now) {
        this.name = name;
        this.voter = voter;
        this.lastCheckNanos = now;
    }

    void heard(long now, long applied) {
        heard = true;
        lastHeardNanos = now;
        failures = 0;
        if (applied >= 0) {
            appliedIndex = applied;
        }
    }

    boolean heardWithin(long now, long windowNanos) {
        return heard && now - lastHeardNanos <= windowNanos;
    }
}
