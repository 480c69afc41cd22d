package io.gatehouse.cluster.internal.consensus;

import io.gatehouse.cluster.internal.CommitRegister;
import io.gatehouse.cluster.internal.replication.CommitPoint;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The replication core's commit register over the CP register {@code gatehouse.commit}: the checksum (an
 * unsigned CRC-32C in a {@code long}) is stored as lower-case hex, an empty checksum reads as 0 (a register
 * fenced before any entry). Every future completes by its deadline (the CP side promises it; a guard keeps the
 * promise if it did not).
 */
public final class CpCommitRegister implements io.gatehouse.cluster.internal.replication.CommitRegister {
    private final CommitRegister cp;
    /** The last value read, as stored: a CAS expecting it sends these exact bytes (a foreign checksum form). */
    private volatile CommitRegister.CommitPoint lastRead;

    public CpCommitRegister(CommitRegister cp) {
        this.cp = Objects.requireNonNull(cp, "cp");
    }

    @Override
    public CompletableFuture<Optional<CommitPoint>> get(Duration timeout) {
        CompletableFuture<Optional<CommitRegister.CommitPoint>> f;
        try {
            f = cp.get(timeout);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        return guard(f, timeout).thenApply(v -> {
            v.ifPresent(p -> lastRead = p);
            return v.map(CpCommitRegister::toCore);
        });
    }

    @Override
    public CompletableFuture<Boolean> compareAndSet(Optional<CommitPoint> expected, CommitPoint update,
                                                    Duration timeout) {
        CompletableFuture<Boolean> f;
        try {
            CommitRegister.CommitPoint read = lastRead;
            CommitRegister.CommitPoint exp = expected.map(e -> read != null && toCore(read).equals(e) ? read : toCp(e))
                    .orElse(null);
            f = cp.compareAndSet(exp, toCp(update), timeout);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        return guard(f, timeout);
    }

    static CommitPoint toCore(CommitRegister.CommitPoint p) {
        String c = p.checksum();
        return new CommitPoint(p.epoch(), p.index(), c.isEmpty() ? 0 : Long.parseUnsignedLong(c, 16));
    }

    static CommitRegister.CommitPoint toCp(CommitPoint p) {
        return new CommitRegister.CommitPoint(p.epoch(), p.index(), Long.toHexString(p.checksum()));
    }

    private static <T> CompletableFuture<T> guard(CompletableFuture<T> f, Duration timeout) {
        return f.copy().orTimeout(timeout.toMillis() + 50, TimeUnit.MILLISECONDS);
    }
}
