package io.gatehouse.cluster.internal.replication;

/**
 * What the leadership lease tells the replication core (docs/cluster.md, "Leadership: a lease on a CP
 * register"). The lease lives on the Hazelcast side; in a group of one or two voters the core leads by
 * itself and these calls are not needed. Calls never block; they may come from any thread.
 */
public interface Leadership {

    /**
     * This node holds the lease with {@code epoch}: take over. The epoch must be above every epoch this node
     * has seen ({@link Replica#highestEpoch()}); after a full CP restart the lease side picks
     * {@code max(lease epoch, highest seen) + 1}.
     */
    void lead(long epoch);

    /** This node no longer holds the lease (not renewed in time, or handed over): stop leading now. */
    void stepDown();

    /** Another node, {@code leader}, holds the lease with {@code epoch} (a hint for forwarding and status). */
    void leaderIs(String leader, long epoch);
}
