package io.gatehouse.cluster.internal;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The group's commit point: the CP register {@code gatehouse.commit} holding {@code epoch|index|checksum} of
 * the last committed entry (docs/cluster.md, "The commit register"). Only groups of 3+ voters have one.
 *
 * <p>Every call completes within its timeout: exceptionally with {@link java.util.concurrent.TimeoutException}
 * when the deadline passes first (the CAS may still have happened: read the register again), or with the CP
 * subsystem's exception. Futures complete on a Hazelcast or timer thread: do not block in callbacks.
 */
public interface CommitRegister {

    /** The register's value; empty when it was never set (a new group, or the CP state was lost). */
    CompletableFuture<Optional<CommitPoint>> get(Duration timeout);

    /**
     * Atomically replaces {@code expected} (null: never set) with {@code next}; completes with false when the
     * register held something else.
     */
    CompletableFuture<Boolean> compareAndSet(CommitPoint expected, CommitPoint next, Duration timeout);

    /**
     * A commit point.
     *
     * @param epoch    the epoch of the leader that committed it
     * @param index    the index of the last committed entry (0: none)
     * @param checksum that entry's checksum (no {@code |})
     */
    record CommitPoint(long epoch, long index, String checksum) {
        public CommitPoint {
            Objects.requireNonNull(checksum, "checksum");
            if (epoch < 0 || index < 0) {
                throw new IllegalArgumentException("epoch and index must be >= 0: " + epoch + ", " + index);
            }
            if (checksum.indexOf('|') >= 0) {
                throw new IllegalArgumentException("checksum must not contain '|': " + checksum);
            }
        }

        /** The register's text form, {@code epoch|index|checksum}. */
        public String encode() {
            return epoch + "|" + index + "|" + checksum;
        }

        /** Parses {@link #encode()}'s form. */
        public static CommitPoint parse(String text) {
            String[] p = text.split("\\|", -1);
            if (p.length != 3) {
                throw new IllegalArgumentException("not epoch|index|checksum: " + text);
            }
            return new CommitPoint(Long.parseLong(p[0]), Long.parseLong(p[1]), p[2]);
        }
    }
}
