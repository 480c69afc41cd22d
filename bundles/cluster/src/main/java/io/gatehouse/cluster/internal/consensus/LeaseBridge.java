package io.gatehouse.cluster.internal.consensus;

import io.gatehouse.api.log.OperationLog;
import io.gatehouse.cluster.internal.Leadership;
import io.gatehouse.cluster.internal.replication.Replica;
import io.gatehouse.cluster.internal.replication.ReplicationListener;
import java.io.IOException;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connects the CP lease ({@link Leadership}, Hazelcast side) with the replication core ({@link Replica}), both
 * ways (docs/cluster.md, "Leadership" and "Replication core: refinements"):
 * <ul>
 *   <li>this node leads at {@code E} → {@code replica.lead(E)}, unless the durable log has already seen
 *   {@code E} or more (the CP state was lost and the lease reused an epoch): then the floor is raised to the
 *   log's highest epoch, which ends that leadership, and the next takeover takes a larger epoch;</li>
 *   <li>another node leads at {@code E} → {@code replica.leaderIs(X, E)}; not leading → {@code replica.stepDown()};</li>
 *   <li>the core's leadership of {@code E} ended (deposed, storage failure, stopped) while the lease still
 *   names this node with {@code E} → {@link Leadership#raiseEpochFloor} with {@code E} (or the log's higher
 *   epoch): the lease keeper stops renewing and clears the lease at its next round, so another voter takes
 *   over at once instead of after {@code lease.takeover};</li>
 *   <li>{@link #syncFloor} (every heartbeat) reports the highest epoch the core has seen, except this node's
 *   own current epoch, so that a takeover after a loss of the CP state starts above it.</li>
 * </ul>
 * Lease events are handed to {@code thread} (the core's scheduler thread): a lease listener must not block.
 * Used only with a lease (groups of 3+ voters); a group of 1–2 voters has a fixed leader the core runs itself.
 */
final class LeaseBridge implements Leadership.Listener, ReplicationListener {
    private static final Logger LOG = LoggerFactory.getLogger(LeaseBridge.class);

    private final String self;
    private final Leadership lease;
    private final OperationLog log;
    private final Executor thread;
    private volatile Replica replica;
    private volatile long reported;

    LeaseBridge(String self, Leadership lease, OperationLog log, Executor thread) {
        this.self = self;
        this.lease = Objects.requireNonNull(lease, "lease");
        this.log = log;
        this.thread = thread;
    }

    /** Listens to the lease and applies its current state (it may already be held: a restart of this bridge). */
    void start(Replica r) {
        this.replica = r;
        lease.addListener(this);
        OptionalLong leading = lease.leadingEpoch();
        Optional<Leadership.Lease> now = leading.isPresent()
                ? Optional.of(new Leadership.Lease(self, leading.getAsLong())) : lease.current();
        leaseChanged(now, leading.isPresent());
        syncFloor(logHighest());
    }

    void stop() {
        lease.removeListener(this);
    }

    @Override
    public void leaseChanged(Optional<Leadership.Lease> current, boolean leading) {
        thread.execute(() -> apply(current, leading));
    }

    private void apply(Optional<Leadership.Lease> current, boolean leading) {
        Replica r = replica;
        if (r == null) {
            return;
        }
        if (leading && current.isPresent()) {
            long epoch = current.get().epoch();
            long seen = logHighest();
            if (seen >= epoch) {
                LOG.warn("{}: the lease gave epoch {} but the log has seen epoch {} (CP state lost?): taking over "
                        + "again with a larger epoch", self, epoch, seen);
                raise(seen);
                return;
            }
            r.lead(epoch);
            return;
        }
        r.stepDown();
        current.filter(l -> !l.leader().isEmpty() && !l.leader().equals(self))
                .ifPresent(l -> r.leaderIs(l.leader(), l.epoch()));
    }

    @Override
    public void leadershipEnded(long epoch, String reason) {
        OptionalLong leading = lease.leadingEpoch();
        if (leading.isPresent() && leading.getAsLong() <= epoch) {
            LOG.info("{}: giving up the lease of epoch {}: {}", self, leading.getAsLong(), reason);
            raise(Math.max(epoch, logHighest()));
        }
    }

    /** Reports {@code highest} (an epoch the core has seen) to the lease, unless it is this node's own current one. */
    void syncFloor(long highest) {
        if (highest <= reported) {
            return;
        }
        OptionalLong leading = lease.leadingEpoch();
        if (leading.isPresent() && leading.getAsLong() == highest) {
            return;
        }
        raise(highest);
    }

    private void raise(long epoch) {
        reported = Math.max(reported, epoch);
        lease.raiseEpochFloor(epoch);
    }

    private long logHighest() {
        try {
            return log.highestEpoch();
        } catch (IOException e) {
            LOG.warn("{}: cannot read the highest epoch: {}", self, e.toString());
            return 0;
        }
    }
}
