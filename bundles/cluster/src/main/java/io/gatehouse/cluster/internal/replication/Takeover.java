package io.gatehouse.cluster.internal.replication;

import io.gatehouse.api.log.LogEntry;
import io.gatehouse.api.log.OperationLog;
import io.gatehouse.api.log.Snapshot;
import io.gatehouse.cluster.internal.replication.LeaderTerm.Phase;
import io.gatehouse.cluster.internal.replication.Messages.Fetch;
import io.gatehouse.cluster.internal.replication.Messages.FetchReply;
import io.gatehouse.cluster.internal.replication.Messages.Probe;
import io.gatehouse.cluster.internal.replication.Messages.ProbeReply;
import io.gatehouse.cluster.internal.replication.Messages.Status;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The takeover of one {@link LeaderTerm} (docs/cluster.md, "Taking over"), its phases REGISTER, PROBING and
 * FETCHING: fence the commit register with the epoch, probe the voters until a majority (this node included)
 * answered, fetch the most advanced log among them, drop this node's own entries past it, and append the
 * no-op; then the term replicates from the no-op ({@link LeaderTerm#replicateFrom}). The phase lives in the
 * term, which may end at any time: every callback checks it. Confined to the core's thread; one per term.
 */
final class Takeover {
    private static final Logger LOG = LoggerFactory.getLogger(Takeover.class);

    private final LeaderTerm term;
    private final Replica owner;
    private final long epoch;
    private final ReplicationConfig config;
    private final OperationLog log;
    private final CommitRegister register;
    private final Map<String, ProbeReply> answers = new HashMap<>();
    private int attempts;

    Takeover(LeaderTerm term, Replica owner) {
        this.term = term;
        this.owner = owner;
        this.epoch = term.epoch();
        this.config = owner.config();
        this.log = owner.log();
        this.register = owner.register();
    }

    void start() {
        readRegister();
    }

    private Phase phase() {
        return term.phase();
    }

    private void readRegister() {
        if (phase() != Phase.REGISTER) {
            return;
        }
        owner.onThread(register.get(config.registerTimeout()), (value, err) -> {
            if (phase() != Phase.REGISTER) {
                return;
            }
            if (err != null) {
                LOG.warn("{}: commit register unreachable ({}), retrying", config.self(), err.toString());
                retryLater(this::readRegister);
                return;
            }
            fenceRegister(value);
        });
    }

    private void fenceRegister(Optional<CommitPoint> value) {
        if (value.isPresent() && value.get().epoch() > epoch) {
            owner.deposed(term, value.get().epoch(), "the commit register holds epoch " + value.get().epoch());
            return;
        }
        if (value.isPresent() && value.get().epoch() == epoch) {
            term.fenced(value);
            startProbing();
            return;
        }
        CommitPoint target;
        try {
            long commit = log.commitIndex();
            target = value.map(v -> new CommitPoint(epoch, v.index(), v.checksum()))
                    .orElse(new CommitPoint(epoch, commit, LogMerge.entryAt(log, commit).map(LogEntry::checksum)
                            .orElse(0L)));
        } catch (IOException e) {
            owner.storageFailed(term, e);
            return;
        }
        owner.onThread(register.compareAndSet(value, target, config.registerTimeout()), (ok, err) -> {
            if (phase() != Phase.REGISTER) {
                return;
            }
            if (err == null && Boolean.TRUE.equals(ok)) {
                term.fenced(Optional.of(target));
                startProbing();
            } else {
                retryLater(this::readRegister);
            }
        });
    }

    private void startProbing() {
        term.enter(Phase.PROBING);
        attempts = 0;
        answers.clear();
        try {
            answers.put(config.self(), new ProbeReply(epoch, Status.OK, log.lastEpoch(), log.lastIndex(),
                    log.commitIndex()));
        } catch (IOException e) {
            owner.storageFailed(term, e);
            return;
        }
        for (Peer p : term.peers()) {
            if (p.voter) {
                probe(p);
            }
        }
        probesDone();
    }

    private void probe(Peer p) {
        owner.ask(p.name, Messages.PROBE, new Probe(epoch), config.requestTimeout(), (reply, err) -> {
            if (phase() == Phase.ENDED) {
                return;
            }
            if (reply instanceof ProbeReply r && (r.epoch() > epoch || r.status() == Status.STALE_EPOCH)) {
                owner.deposed(term, r.epoch(), p.name + " has seen epoch " + r.epoch());
                return;
            }
            if (!(reply instanceof ProbeReply r) || r.status() != Status.OK) {
                p.failures++;
                if (phase() == Phase.PROBING) {
                    term.later(term.backoff(p.failures), () -> {
                        if (phase() == Phase.PROBING && !answers.containsKey(p.name)) {
                            probe(p);
                        }
                    });
                }
                return;
            }
            p.heard(owner.scheduler().nanoTime(), -1);
            if (phase() == Phase.PROBING) {
                answers.put(p.name, r);
                p.nextIndex = r.lastIndex() + 1;
                probesDone();
            }
        });
    }

    private void probesDone() {
        if (phase() != Phase.PROBING || answers.size() < config.quorum()) {
            return;
        }
        term.enter(Phase.FETCHING);
        String best = config.self();
        ProbeReply bestReply = answers.get(best);
        for (Map.Entry<String, ProbeReply> e : answers.entrySet()) {
            ProbeReply r = e.getValue();
            if (r.lastEpoch() > bestReply.lastEpoch()
                    || r.lastEpoch() == bestReply.lastEpoch() && r.lastIndex() > bestReply.lastIndex()) {
                best = e.getKey();
                bestReply = r;
            }
        }
        if (best.equals(config.self())) {
            adopted(bestReply.lastIndex());
            return;
        }
        LOG.info("{}: adopting the log of {} (last entry {}@{})", config.self(), best, bestReply.lastIndex(),
                bestReply.lastEpoch());
        try {
            fetch(best, bestReply.lastIndex(), log.commitIndex() + 1);
        } catch (IOException e) {
            owner.storageFailed(term, e);
        }
    }

    private void fetch(String from, long bestLast, long next) {
        owner.ask(from, Messages.FETCH, new Fetch(epoch, next, config.maxBatch()), config.requestTimeout(),
                (reply, err) -> {
                if (phase() != Phase.FETCHING) {
                    return;
                }
                if (reply instanceof FetchReply r && (r.epoch() > epoch || r.status() == Status.STALE_EPOCH)) {
                    owner.deposed(term, r.epoch(), from + " has seen epoch " + r.epoch());
                    return;
                }
                if (!(reply instanceof FetchReply r) || r.status() != Status.OK) {
                    refetchOrReprobe(from, bestLast, next);
                    return;
                }
                try {
                    long prev = next - 1;
                    if (r.snapshot().isPresent()) {
                        Snapshot s = r.snapshot().get();
                        if (!s.intact()) {
                            refetchOrReprobe(from, bestLast, next);
                            return;
                        }
                        if (s.index() > log.commitIndex()) {
                            log.installSnapshot(s);
                        }
                        prev = s.index();
                    }
                    LogMerge.merge(log, prev, r.entries());
                    long reached = prev + r.entries().size();
                    if (reached >= bestLast) {
                        adopted(bestLast);
                    } else if (r.entries().isEmpty()) {
                        refetchOrReprobe(from, bestLast, next);
                    } else {
                        attempts = 0;
                        fetch(from, bestLast, reached + 1);
                    }
                } catch (IOException | RuntimeException e) {
                    owner.storageFailed(term, e);
                }
            });
    }

    private void refetchOrReprobe(String from, long bestLast, long next) {
        if (++attempts > 3) {
            LOG.warn("{}: could not fetch entries from {}, probing again", config.self(), from);
            term.later(term.backoff(attempts), () -> {
                if (phase() == Phase.FETCHING) {
                    startProbing();
                }
            });
        } else {
            term.later(term.backoff(attempts), () -> {
                if (phase() == Phase.FETCHING) {
                    fetch(from, bestLast, next);
                }
            });
        }
    }

    /**
     * The log now holds the most advanced log of a majority up to {@code bestLast}: check that it holds the
     * register's committed entry, then append the no-op.
     */
    private void adopted(long bestLast) {
        long noopIndex;
        try {
            String missing = lacksCommitted(bestLast);
            if (missing != null) {
                LOG.error("{}: refusing to lead with epoch {}: {}; the log of a majority lost a committed entry "
                        + "(restore the voter that has it, or repair the logs by hand)", config.self(), epoch, missing);
                owner.refuse(term, "this node cannot lead: " + missing);
                return;
            }
            if (log.lastIndex() > bestLast) {
                int dropped = log.truncateAfter(bestLast);
                LOG.info("{}: dropped {} of its own uncommitted entries after {}", config.self(), dropped, bestLast);
            }
            noopIndex = log.append(epoch, "", List.of()).index();
        } catch (IOException | RuntimeException e) {
            owner.storageFailed(term, e);
            return;
        }
        term.replicateFrom(noopIndex, answers.keySet());
    }

    /**
     * Why the adopted log (up to {@code bestLast}) does not hold the commit register's entry, or null when it does
     * (or the entry is compacted away, covered by a snapshot, or nothing was committed). By the takeover's proof
     * it always does; this catches a majority that lost durable entries (a disk replaced, a log restored from an
     * old backup) before this node commits on top of a log that lacks a committed entry.
     */
    private String lacksCommitted(long bestLast) throws IOException {
        Optional<CommitPoint> fence = term.fencedValue();
        if (fence.isEmpty() || fence.get().index() == 0 || fence.get().index() < log.firstIndex()) {
            return null;
        }
        CommitPoint c = fence.get();
        Optional<LogEntry> e = c.index() > bestLast ? Optional.empty() : LogMerge.entryAt(log, c.index());
        if (e.isEmpty()) {
            return "the commit register names entry " + c.index() + " but the adopted log ends at " + bestLast;
        }
        if (e.get().checksum() != c.checksum()) {
            return "entry " + c.index() + " has checksum " + Long.toHexString(e.get().checksum())
                    + ", the commit register " + Long.toHexString(c.checksum());
        }
        return null;
    }

    private void retryLater(Runnable task) {
        term.later(term.backoff(++attempts), task);
    }
}
