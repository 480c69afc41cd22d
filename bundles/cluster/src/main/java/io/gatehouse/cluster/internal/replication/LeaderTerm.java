package io.gatehouse.cluster.internal.replication;

import io.gatehouse.api.cluster.ConsensusException.Reason;
import io.gatehouse.api.log.LogEntry;
import io.gatehouse.api.log.OperationLog;
import io.gatehouse.api.log.ReadResult;
import io.gatehouse.api.log.Snapshot;
import io.gatehouse.cluster.internal.replication.Messages.Append;
import io.gatehouse.cluster.internal.replication.Messages.AppendReply;
import io.gatehouse.cluster.internal.replication.Messages.Message;
import io.gatehouse.cluster.internal.replication.Messages.SnapshotInstall;
import io.gatehouse.cluster.internal.replication.Messages.SnapshotReply;
import io.gatehouse.cluster.internal.replication.Messages.Status;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One leadership of this node, at one epoch (docs/cluster.md, "Taking over" and "The commit register"):
 * a {@link Takeover} fences the commit register with the epoch, probes the voters until a majority answered,
 * adopts the most advanced log among them and appends a no-op; then this term replicates and commits. Writes
 * submitted before the no-op is appended wait in a backlog; writes are answered once their entry is
 * committed. A leader advances the register only to an index holding an entry of its own epoch (the no-op or
 * later): older entries commit with it, never by counting alone. Confined to the core's thread; a new object
 * per leadership.
 */
final class LeaderTerm {
    private static final Logger LOG = LoggerFactory.getLogger(LeaderTerm.class);

    enum Phase { REGISTER, PROBING, FETCHING, REPLICATING, READY, ENDED }

    private final Replica owner;
    private final long epoch;
    private final ReplicationConfig config;
    private final OperationLog log;
    private final Scheduler scheduler;
    private final CommitRegister register;
    private final long startedNanos;
    private final Map<String, Peer> peers = new LinkedHashMap<>();
    private final ArrayDeque<Pending> backlog = new ArrayDeque<>();
    private final TreeMap<Long, Pending> pending = new TreeMap<>();
    private final List<Scheduler.Cancellable> timers = new ArrayList<>();

    private Phase phase = Phase.REGISTER;
    private Optional<CommitPoint> registerValue = Optional.empty();
    private CommitPoint casTarget;
    private long noopIndex = Long.MAX_VALUE;

    LeaderTerm(Replica owner, long epoch, Set<String> observers) {
        this.owner = owner;
        this.epoch = epoch;
        this.config = owner.config();
        this.log = owner.log();
        this.scheduler = owner.scheduler();
        this.register = owner.register();
        this.startedNanos = scheduler.nanoTime();
        for (String v : config.voters()) {
            if (!v.equals(config.self())) {
                peers.put(v, new Peer(v, true, startedNanos));
            }
        }
        observersChanged(observers);
    }

    long epoch() {
        return epoch;
    }

    Phase phase() {
        return phase;
    }

    boolean ready() {
        return phase == Phase.READY;
    }

    Collection<Peer> peers() {
        return peers.values();
    }

    void start() {
        LOG.info("{}: taking over with epoch {}", config.self(), epoch);
        tick();
        new Takeover(this, owner).start();
    }

    void observersChanged(Set<String> observers) {
        peers.values().removeIf(p -> !p.voter && !observers.contains(p.name));
        for (String o : observers) {
            if (!config.voters().contains(o) && !o.equals(config.self()) && !peers.containsKey(o)) {
                Peer p = new Peer(o, false, scheduler.nanoTime());
                p.nextIndex = noopIndex == Long.MAX_VALUE ? 1 : noopIndex;
                peers.put(o, p);
                pump(p, true);
            }
        }
    }

    // ---- writes

    void submit(Pending p) {
        if (backlog.size() + pending.size() >= config.maxPending()) {
            p.fail(Reason.OVERLOADED, "too many writes waiting for a majority (" + config.maxPending() + ")", null);
            return;
        }
        long now = scheduler.nanoTime();
        int reachable = reachableVoters(now);
        if (now - startedNanos > config.majorityWindow().toNanos() && reachable < config.quorum()) {
            p.fail(Reason.NO_MAJORITY, "only " + reachable + " of " + config.voters().size()
                    + " voters reachable, " + config.quorum() + " needed", null);
            return;
        }
        p.deadline = scheduler.schedule(p.timeout, () -> owner.run(() -> expire(p)));
        if (phase.ordinal() < Phase.REPLICATING.ordinal()) {
            backlog.add(p);
            return;
        }
        if (appendPending(p)) {
            pumpAll(false);
            advance();
        }
    }

    private boolean appendPending(Pending p) {
        try {
            LogEntry e = log.append(epoch, p.requestId, p.changes);
            p.entry = e;
            pending.put(e.index(), p);
            return true;
        } catch (IOException | RuntimeException e) {
            LOG.error("{}: could not append a write locally", config.self(), e);
            p.fail(Reason.STORAGE, "the local log failed: " + e.getMessage(), null);
            return false;
        }
    }

    private void expire(Pending p) {
        boolean waiting = p.entry == null ? backlog.remove(p) : pending.remove(p.entry.index(), p);
        if (waiting) {
            int reachable = reachableVoters(scheduler.nanoTime());
            p.fail(Reason.TIMEOUT, "not committed within " + p.timeout.toMillis() + " ms (" + reachable + " of "
                    + config.voters().size() + " voters reachable); it may still commit", null);
        }
    }

    private int reachableVoters(long now) {
        long window = config.majorityWindow().toNanos();
        int n = config.voter() ? 1 : 0;
        for (Peer p : peers.values()) {
            if (p.voter && p.heardWithin(now, window)) {
                n++;
            }
        }
        return n;
    }

    // ---- taking over (Takeover): its results

    void enter(Phase next) {
        phase = next;
    }

    /** The register now holds this epoch: the value this leadership's commits start from. */
    void fenced(Optional<CommitPoint> value) {
        registerValue = value;
    }

    /** The commit register's value as this term fenced it (its epoch, the last committed index and checksum). */
    Optional<CommitPoint> fencedValue() {
        return registerValue;
    }

    /**
     * The takeover appended the no-op at {@code noop}: replicate from there. Voters that did not answer the
     * probe (or observers) start at the no-op; the others where their answer left them.
     */
    void replicateFrom(long noop, Set<String> answered) {
        noopIndex = noop;
        phase = Phase.REPLICATING;
        for (Peer p : peers.values()) {
            p.nextIndex = Math.max(1, Math.min(p.nextIndex, noopIndex));
            if (!p.voter || !answered.contains(p.name)) {
                p.nextIndex = noopIndex;
            }
        }
        while (!backlog.isEmpty()) {
            appendPending(backlog.poll());
        }
        pumpAll(false);
        advance();
    }

    // ---- replication

    private void tick() {
        if (phase == Phase.ENDED) {
            return;
        }
        if (phase.ordinal() >= Phase.REPLICATING.ordinal()) {
            for (Peer p : peers.values()) {
                pump(p, true);
            }
        }
        later(config.heartbeat(), this::tick);
    }

    private void pumpAll(boolean heartbeat) {
        for (Peer p : peers.values()) {
            pump(p, heartbeat);
        }
    }

    private void pump(Peer p, boolean heartbeat) {
        if (p.inflight || phase == Phase.ENDED || phase.ordinal() < Phase.REPLICATING.ordinal()) {
            return;
        }
        long now = scheduler.nanoTime();
        if (!heartbeat && now < p.retryAtNanos) {
            return;
        }
        try {
            long commit = log.commitIndex();
            if (p.needsRepair || p.nextIndex < log.firstIndex()) {
                sendSnapshot(p);
                return;
            }
            long prev = p.nextIndex - 1;
            long prevEpoch = LogMerge.epochAt(log, prev);
            if (prevEpoch < 0) {
                sendSnapshot(p);
                return;
            }
            long limit = p.voter ? log.lastIndex() : commit;
            List<LogEntry> entries = List.of();
            if (p.nextIndex <= limit) {
                ReadResult r = log.read(p.nextIndex, (int) Math.min(config.maxBatch(), limit - p.nextIndex + 1));
                entries = r.entries();
                r.corruption().ifPresent(c -> LOG.error("{}: own entry {} is corrupt ({})", config.self(), c.index(),
                        c.reason()));
            }
            if (entries.isEmpty() && !heartbeat && p.sentCommit >= commit) {
                return;
            }
            long checkIndex = 0;
            long checkEpoch = 0;
            long checkSum = 0;
            if (heartbeat && now - p.lastCheckNanos >= config.antiEntropy().toNanos()) {
                p.lastCheckNanos = now;
                Optional<LogEntry> c = LogMerge.entryAt(log, Math.min(commit, p.matchIndex));
                if (c.isPresent()) {
                    checkIndex = c.get().index();
                    checkEpoch = c.get().epoch();
                    checkSum = c.get().checksum();
                }
            }
            Append m = new Append(epoch, prev, prevEpoch, commit, entries, checkIndex, checkEpoch, checkSum);
            p.inflight = true;
            owner.ask(p.name, Messages.APPEND, m, config.requestTimeout(), (reply, err) -> appendAnswered(p, m, reply));
        } catch (IOException e) {
            owner.storageFailed(this, e);
        }
    }

    private void appendAnswered(Peer p, Append m, Message reply) {
        p.inflight = false;
        if (phase == Phase.ENDED) {
            return;
        }
        if (!(reply instanceof AppendReply r)) {
            failed(p);
            return;
        }
        if (r.epoch() > epoch || r.status() == Status.STALE_EPOCH) {
            owner.deposed(this, r.epoch(), p.name + " has seen epoch " + r.epoch());
            return;
        }
        p.heard(scheduler.nanoTime(), r.appliedIndex());
        switch (r.status()) {
            case MISMATCH -> {
                long back = m.prevIndex() > r.lastIndex() ? r.lastIndex() + 1 : r.commitIndex() + 1;
                p.nextIndex = Math.max(1, Math.min(m.prevIndex(), back));
                pump(p, false);
            }
            case OK -> {
                p.matchIndex = Math.max(p.matchIndex, r.matchIndex());
                p.nextIndex = Math.max(p.nextIndex, r.matchIndex() + 1);
                p.sentCommit = m.commitIndex();
                if (r.repair()) {
                    p.needsRepair = true;
                }
                if (p.voter) {
                    advance();
                }
                pump(p, false);
            }
            default -> failed(p);
        }
    }

    private void sendSnapshot(Peer p) throws IOException {
        if (p.needsRepair && casTarget != null) {
            return; // its entries may be counted by the commit in flight: repair after it
        }
        Optional<Snapshot> s = log.latestSnapshot();
        if (s.isEmpty()) {
            LOG.error("{}: {} needs a snapshot ({}) but this node has none", config.self(), p.name,
                    p.needsRepair ? "repair" : "entries before " + log.firstIndex() + " were compacted");
            p.needsRepair = false;
            failed(p);
            return;
        }
        boolean repair = p.needsRepair;
        if (repair) {
            p.matchIndex = 0; // the install sets its entries aside: count it again from its answer
        }
        p.inflight = true;
        SnapshotInstall m = new SnapshotInstall(epoch, s.get(), repair);
        owner.ask(p.name, Messages.SNAPSHOT, m, config.requestTimeout(), (reply, err) -> {
            p.inflight = false;
            if (phase == Phase.ENDED) {
                return;
            }
            if (!(reply instanceof SnapshotReply r)) {
                failed(p);
                return;
            }
            if (r.epoch() > epoch || r.status() == Status.STALE_EPOCH) {
                owner.deposed(this, r.epoch(), p.name + " has seen epoch " + r.epoch());
                return;
            }
            if (r.status() != Status.OK) {
                failed(p);
                return;
            }
            p.heard(scheduler.nanoTime(), r.appliedIndex());
            if (repair) {
                p.needsRepair = false;
                p.matchIndex = r.commitIndex();
            } else {
                p.matchIndex = Math.max(p.matchIndex, r.commitIndex());
            }
            p.nextIndex = r.commitIndex() + 1;
            if (p.voter) {
                advance();
            }
            pump(p, false);
        });
    }

    private void failed(Peer p) {
        p.failures++;
        p.sentCommit = -1;
        Duration wait = backoff(p.failures);
        p.retryAtNanos = scheduler.nanoTime() + wait.toNanos();
        if (p.retry != null) {
            p.retry.cancel();
        }
        p.retry = scheduler.schedule(wait, () -> owner.run(() -> pump(p, false)));
    }

    // ---- commit

    private void advance() {
        if (casTarget != null || phase.ordinal() < Phase.REPLICATING.ordinal() || phase == Phase.ENDED) {
            return;
        }
        try {
            long n = quorumIndex();
            if (n <= log.commitIndex() || n < noopIndex) {
                return;
            }
            Optional<LogEntry> e = LogMerge.entryAt(log, n);
            if (e.isEmpty()) {
                LOG.error("{}: cannot read own entry {} to commit it", config.self(), n);
                return;
            }
            CommitPoint target = new CommitPoint(epoch, n, e.get().checksum());
            casTarget = target;
            owner.onThread(register.compareAndSet(registerValue, target, config.registerTimeout()),
                (ok, err) -> casAnswered(target, ok, err));
        } catch (IOException ex) {
            owner.storageFailed(this, ex);
        }
    }

    private long quorumIndex() throws IOException {
        List<Long> matches = new ArrayList<>();
        if (config.voter()) {
            matches.add(log.lastIndex());
        }
        for (Peer p : peers.values()) {
            if (p.voter) {
                matches.add(p.matchIndex);
            }
        }
        matches.sort((a, b) -> Long.compare(b, a));
        return matches.size() < config.quorum() ? 0 : matches.get(config.quorum() - 1);
    }

    private void casAnswered(CommitPoint target, Boolean ok, Throwable err) {
        if (err != null) {
            resolveCas(target);
        } else if (Boolean.TRUE.equals(ok)) {
            committed(target);
        } else {
            casTarget = null;
            failPending(Reason.DEPOSED, "another leader took over the commit register", Long.MIN_VALUE);
            owner.deposed(this, epoch, "the commit register moved: another leader took over");
        }
    }

    /** A compare-and-set whose outcome is unknown: read the register to learn whether it happened. */
    private void resolveCas(CommitPoint target) {
        owner.onThread(register.get(config.registerTimeout()), (value, err) -> {
            if (err != null) {
                if (phase == Phase.ENDED) {
                    casTarget = null;
                    failPending(Reason.TIMEOUT, "leadership ended while the commit's outcome was unknown; it may "
                            + "have committed", Long.MIN_VALUE);
                } else {
                    later(backoff(1), () -> resolveCas(target));
                }
                return;
            }
            if (value.isPresent() && value.get().equals(target)) {
                committed(target);
            } else if (value.equals(registerValue)) {
                casTarget = null;
                if (phase == Phase.ENDED) {
                    failPending(Reason.DEPOSED, "leadership ended before the entry committed", Long.MIN_VALUE);
                } else {
                    advance();
                }
            } else if (value.isPresent() && value.get().index() == target.index()
                    && value.get().checksum() == target.checksum()) {
                // a newer leader fenced the register from our target: our CAS happened
                owner.deposed(this, value.get().epoch(), "the commit register moved to " + value.get());
                committed(target);
            } else if (value.isEmpty() || value.get().index() >= target.index()) {
                // our CAS may have happened before the register moved on (or was lost with the CP state)
                casTarget = null;
                failPending(Reason.TIMEOUT, "another leader took over while the commit's outcome was unknown; it may "
                        + "have committed", Long.MIN_VALUE);
                owner.deposed(this, value.map(CommitPoint::epoch).orElse(epoch), "the commit register moved to "
                        + value.map(CommitPoint::toString).orElse("nothing"));
            } else {
                casTarget = null;
                failPending(Reason.DEPOSED, "another leader took over the commit register", Long.MIN_VALUE);
                owner.deposed(this, value.map(CommitPoint::epoch).orElse(epoch), "the commit register moved to "
                        + value.map(CommitPoint::toString).orElse("nothing"));
            }
        });
    }

    private void committed(CommitPoint target) {
        casTarget = null;
        registerValue = Optional.of(target);
        try {
            if (target.index() > log.commitIndex()) {
                // after this leadership ended a newer leader may have rewritten the log: commit only our entry
                Optional<LogEntry> e = LogMerge.entryAt(log, target.index());
                if (e.isPresent() && e.get().checksum() == target.checksum()) {
                    log.commitTo(target.index());
                }
            }
        } catch (IOException e) {
            LOG.error("{}: entry {} committed in the register but not recorded locally", config.self(),
                    target.index(), e);
        }
        while (!pending.isEmpty() && pending.firstKey() <= target.index()) {
            Pending p = pending.pollFirstEntry().getValue();
            p.complete(p.entry);
        }
        if (phase == Phase.ENDED) {
            failPending(Reason.DEPOSED, "leadership ended before the entry committed", Long.MIN_VALUE);
            return;
        }
        if (phase == Phase.REPLICATING && target.index() >= noopIndex) {
            phase = Phase.READY;
            LOG.info("{}: leading with epoch {} from index {}", config.self(), epoch, noopIndex);
            owner.ready(this);
        }
        pumpAll(false);
        advance();
    }

    // ---- end

    /** Ends this leadership; writes whose commit is in flight wait for its outcome, the others fail. */
    void end(Reason reason, String why) {
        if (phase == Phase.ENDED) {
            return;
        }
        phase = Phase.ENDED;
        timers.forEach(Scheduler.Cancellable::cancel);
        timers.clear();
        for (Peer p : peers.values()) {
            if (p.retry != null) {
                p.retry.cancel();
            }
        }
        while (!backlog.isEmpty()) {
            backlog.poll().fail(reason, why, null);
        }
        failPending(reason, why, casTarget == null ? Long.MIN_VALUE : casTarget.index());
    }

    /** Fails the pending writes with an index above {@code keepUpTo} ({@link Long#MIN_VALUE}: all of them). */
    private void failPending(Reason reason, String why, long keepUpTo) {
        while (!pending.isEmpty() && pending.lastKey() > keepUpTo) {
            pending.pollLastEntry().getValue().fail(reason, why, null);
        }
    }

    void later(Duration delay, Runnable task) {
        timers.add(scheduler.schedule(delay, () -> owner.run(task)));
        if (timers.size() > 64) {
            timers.subList(0, timers.size() - 64).clear();
        }
    }

    Duration backoff(int failures) {
        long base = Math.max(1, config.heartbeat().toMillis() / 4);
        long ms = base << Math.min(Math.max(failures - 1, 0), 5);
        return Duration.ofMillis(Math.min(ms, config.heartbeat().toMillis() * 5));
    }
}
