package io.gatehouse.cluster.internal.replication;

/**
 * Told by the replication core when its leadership changes, on the core's thread: an implementation returns
 * at once. The lease side uses it to release a lease the core can no longer use.
 */
public interface ReplicationListener {

    /** The leadership of {@code epoch} committed its no-op: writes are accepted. */
    default void leaderReady(long epoch) {
    }

    /** The leadership of {@code epoch} ended (deposed, stepped down, storage failure, stopped). */
    default void leadershipEnded(long epoch, String reason) {
    }
}
