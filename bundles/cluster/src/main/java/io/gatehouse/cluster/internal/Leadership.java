package io.gatehouse.cluster.internal;

import java.util.Optional;
import java.util.OptionalLong;

/**
 * Who leads this node's group, and with which epoch (docs/cluster.md, "Leadership"). With 3+ voters a lease
 * on the CP register {@code gatehouse.lease}; with 1–2 voters the first voter named, always.
 *
 * <p>Epochs: every leadership has an epoch no other leadership has, and a leadership begun later has a
 * larger one, as long as the register survives (the CP subsystem keeps a majority). When it does not, the
 * replication core keeps epochs growing with {@link #raiseEpochFloor}: call it with the highest epoch found
 * in the durable log (and in every message received) before acting on a leadership.
 *
 * <p>Threading: all methods are non-blocking and thread-safe. Listeners run on the leadership thread: they
 * must not block (hand the work over to your own executor).
 */
public interface Leadership {

    /** The lease as last seen (for a follower it may be up to one renew interval old); empty when unknown. */
    Optional<Lease> current();

    /**
     * The epoch this node leads with, when it leads <em>now</em>: checked against the monotonic clock on every
     * call, so a leader that could not renew for {@code lease.stepDown} stops answering here even before its
     * leadership thread runs again.
     */
    OptionalLong leadingEpoch();

    /** The highest epoch this node has seen (its own, the register's, or raised by {@link #raiseEpochFloor}). */
    long highestEpoch();

    /**
     * Records that epochs up to {@code epoch} were used (by earlier leaderships, found in the durable log or in
     * messages): a leadership begun from now on takes a larger one. If this node leads with an epoch
     * {@code <= epoch}, that leadership ends (with the CP lease the node steps down; with a static leader it
     * starts a new leadership with {@code epoch + 1}), so do not report the epoch of this node's own current
     * leadership ({@link #leadingEpoch()}).
     */
    void raiseEpochFloor(long epoch);

    /** True when leadership is a lease on the CP subsystem (3+ voters); false for a static leader. */
    boolean usesLease();

    void addListener(Listener listener);

    void removeListener(Listener listener);

    /**
     * A leadership term as seen by this node.
     *
     * @param leader node name of the leader
     * @param epoch  its epoch
     */
    record Lease(String leader, long epoch) {
    }

    /** Told of every change of the lease this node sees, and of every start and end of its own leadership. */
    @FunctionalInterface
    interface Listener {
        /**
         * @param lease   the lease now known (empty when unknown, e.g. right after stepping down)
         * @param leading true when this node now leads (with {@code lease.epoch()})
         */
        void leaseChanged(Optional<Lease> lease, boolean leading);
    }
}
