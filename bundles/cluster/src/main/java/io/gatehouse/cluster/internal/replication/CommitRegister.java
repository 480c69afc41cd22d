package io.gatehouse.cluster.internal.replication;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The group's linearizable commit register (a CP {@code IAtomicReference} in a group of three voters or
 * more; {@link #NONE} in a group of one or two voters, which has no CP subsystem).
 *
 * <p>Contract: operations are linearizable; each future completes, exceptionally at the latest when
 * {@code timeout} has passed. A timed-out {@link #compareAndSet} may or may not have happened: the caller
 * reads the register to learn which. {@link Optional#empty()} means the register holds nothing (a new group,
 * or every CP member restarted and the CP state is gone).
 */
public interface CommitRegister {

    /** The register of a group without a CP subsystem: always empty, and every compare-and-set succeeds. */
    CommitRegister NONE = new CommitRegister() {
        @Override
        public CompletableFuture<Optional<CommitPoint>> get(Duration timeout) {
            return CompletableFuture.completedFuture(Optional.empty());
        }

        @Override
        public CompletableFuture<Boolean> compareAndSet(Optional<CommitPoint> expected, CommitPoint update,
                                                        Duration timeout) {
            return CompletableFuture.completedFuture(Boolean.TRUE);
        }

        @Override
        public String toString() {
            return "CommitRegister.NONE";
        }
    };

    /** The current value. */
    CompletableFuture<Optional<CommitPoint>> get(Duration timeout);

    /** Sets {@code update} if the register holds {@code expected} (empty: holds nothing); true if it did. */
    CompletableFuture<Boolean> compareAndSet(Optional<CommitPoint> expected, CommitPoint update, Duration timeout);
}
