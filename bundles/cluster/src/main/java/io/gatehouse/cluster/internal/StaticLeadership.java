package io.gatehouse.cluster.internal;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Executor;

/**
 * Leadership of a group of 1–2 voters, which has no CP subsystem: the first voter named in {@code voters}
 * leads, always (docs/cluster.md, "Groups of one or two voters"). Its epoch is {@code floor + 1}, where the
 * floor is what the replication core reports from its durable log through {@link #raiseEpochFloor}; raising the
 * floor to or past the current epoch starts a new leadership with a new epoch.
 */
final class StaticLeadership implements Leadership {
    private final String self;
    private final String leader;
    private final Executor notifier;
    private final Listeners listeners = new Listeners();
    private long floor;
    private long epoch;
    private boolean running;

    /** @param notifier the thread listeners are told on */
    StaticLeadership(String self, String leader, Executor notifier) {
        this.self = self;
        this.leader = leader;
        this.notifier = notifier;
    }

    synchronized void start() {
        running = true;
        if (self.equals(leader)) {
            epoch = floor + 1;
        }
        fire();
    }

    synchronized void stop() {
        running = false;
        fire();
    }

    @Override
    public synchronized Optional<Lease> current() {
        return running ? Optional.of(new Lease(leader, self.equals(leader) ? epoch : floor)) : Optional.empty();
    }

    @Override
    public synchronized OptionalLong leadingEpoch() {
        return running && self.equals(leader) ? OptionalLong.of(epoch) : OptionalLong.empty();
    }

    @Override
    public synchronized long highestEpoch() {
        return Math.max(floor, epoch);
    }

    @Override
    public synchronized void raiseEpochFloor(long e) {
        if (e <= floor) {
            return;
        }
        floor = e;
        if (running && self.equals(leader) && epoch <= e) {
            epoch = e + 1;
        }
        fire();
    }

    @Override
    public boolean usesLease() {
        return false;
    }

    @Override
    public void addListener(Listener l) {
        listeners.add(Objects.requireNonNull(l, "listener"));
    }

    @Override
    public void removeListener(Listener l) {
        listeners.remove(l);
    }

    private void fire() {
        Optional<Lease> lease = current();
        boolean leading = leadingEpoch().isPresent();
        notifier.execute(() -> listeners.fire(lease, leading));
    }
}
