package io.gatehouse.cluster.internal.replication;

import io.gatehouse.api.cluster.ConsensusException.Reason;
import io.gatehouse.api.log.Change;
import io.gatehouse.api.log.LogEntry;
import io.gatehouse.api.log.OperationLog;
import io.gatehouse.cluster.internal.replication.Messages.Append;
import io.gatehouse.cluster.internal.replication.Messages.Fetch;
import io.gatehouse.cluster.internal.replication.Messages.Message;
import io.gatehouse.cluster.internal.replication.Messages.Probe;
import io.gatehouse.cluster.internal.replication.Messages.SnapshotInstall;
import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node's replication core: the follower side for every node, a {@link LeaderTerm} while it leads. It
 * knows nothing of Hazelcast: it talks through a {@link Transport}, commits through a {@link CommitRegister},
 * is told about leadership through {@link Leadership}, and keeps its durable state in the
 * {@link OperationLog}. In a group of one or two voters ({@link ReplicationConfig#fixedLeader()}) the first
 * voter leads by itself with epoch {@code highestEpoch + 1}.
 *
 * <p>Threading: every public method may be called from any thread and hands its work to the
 * {@link Scheduler}'s thread, where all state lives; {@link #status()} reads a published snapshot.
 */
public final class Replica implements Leadership {
    private static final Logger LOG = LoggerFactory.getLogger(Replica.class);
    private static final List<String> TYPES = List.of(Messages.PROBE, Messages.FETCH, Messages.APPEND,
            Messages.SNAPSHOT);

    private final ReplicationConfig config;
    private final OperationLog log;
    private final Transport transport;
    private final CommitRegister register;
    private final Scheduler scheduler;
    private final ReplicationListener listener;
    private final Follower follower;

    // confined to the scheduler's thread
    private LeaderTerm term;
    private long highest;
    private String leader;
    private long leaderEpoch;
    private Set<String> observers = Set.of();
    private boolean started;
    private boolean closed;
    private Scheduler.Cancellable relead;

    private volatile ReplicaStatus status;

    public Replica(ReplicationConfig config, OperationLog log, Transport transport, CommitRegister register,
                   Scheduler scheduler, LongSupplier appliedIndex, ReplicationListener listener) {
        this.config = Objects.requireNonNull(config, "config");
        this.log = Objects.requireNonNull(log, "log");
        this.transport = Objects.requireNonNull(transport, "transport");
        this.register = config.fixedLeader() ? CommitRegister.NONE : Objects.requireNonNull(register, "register");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.listener = listener == null ? new ReplicationListener() { } : listener;
        this.follower = new Follower(config.self(), log, appliedIndex);
        this.status = new ReplicaStatus(config.self(), null, 0, false, false, 0, 0, 0, Map.of());
    }

    /** Registers the message handlers and, in a fixed-leader group, takes over if this node is the first voter. */
    public void start() {
        Transport.Handler handler = this::handle;
        for (String type : TYPES) {
            transport.register(type, handler);
        }
        run(() -> {
            if (closed) {
                return;
            }
            try {
                highest = log.highestEpoch();
            } catch (IOException e) {
                LOG.error("{}: cannot read the highest epoch; replication not started", config.self(), e);
                return;
            }
            started = true;
            if (config.fixedLeader()) {
                leader = config.voters().get(0);
                if (leader.equals(config.self())) {
                    startTerm(highest + 1);
                }
            }
        });
    }

    /** Stops: unregisters the handlers, ends a leadership (pending writes fail with STOPPED). */
    public CompletableFuture<Void> stop() {
        for (String type : TYPES) {
            transport.unregister(type);
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        scheduler.execute(() -> {
            closed = true;
            if (relead != null) {
                relead.cancel();
            }
            if (term != null) {
                endTerm(Reason.STOPPED, "the cluster service is stopping");
            }
            publish();
            done.complete(null);
        });
        return done;
    }

    /**
     * Leader only: appends {@code changes} as one entry at this leadership's epoch and completes once it is
     * committed. See {@link io.gatehouse.api.cluster.Consensus#commit}.
     */
    public CompletableFuture<LogEntry> commit(String requestId, List<Change> changes, Duration timeout) {
        CompletableFuture<LogEntry> f = new CompletableFuture<>();
        Pending p = new Pending(requestId, changes, timeout, f);
        run(() -> {
            if (closed) {
                p.fail(Reason.STOPPED, "the cluster service is stopped", null);
            } else if (term == null) {
                if (leader != null && !leader.equals(config.self())) {
                    p.fail(Reason.NOT_LEADER, "this node does not lead; " + leader + " does", leader);
                } else {
                    p.fail(Reason.NO_LEADER, "no leader is known", null);
                }
            } else {
                term.submit(p);
            }
        });
        return f;
    }

    /** The observers currently in the group (they receive committed entries). */
    public void observers(Set<String> names) {
        Set<String> copy = Set.copyOf(names);
        run(() -> {
            observers = copy;
            if (term != null) {
                term.observersChanged(copy);
            }
        });
    }

    @Override
    public void lead(long epoch) {
        run(() -> {
            if (closed || !started) {
                return;
            }
            if (term != null) {
                if (term.epoch() >= epoch) {
                    return;
                }
                endTerm(Reason.DEPOSED, "superseded by this node's own lease with epoch " + epoch);
            }
            startTerm(epoch);
        });
    }

    @Override
    public void stepDown() {
        run(() -> {
            if (term != null) {
                endTerm(Reason.DEPOSED, "the leadership lease was lost");
            }
        });
    }

    @Override
    public void leaderIs(String name, long epoch) {
        run(() -> {
            if (epoch >= leaderEpoch) {
                leader = name;
                leaderEpoch = epoch;
            }
            if (term != null && !name.equals(config.self()) && epoch > term.epoch()) {
                endTerm(Reason.DEPOSED, name + " leads with epoch " + epoch);
            }
        });
    }

    /** A snapshot of what this core knows, from any thread. */
    public ReplicaStatus status() {
        return status;
    }

    // ---- the core's thread

    private CompletableFuture<byte[]> handle(String from, byte[] payload) {
        CompletableFuture<byte[]> answer = new CompletableFuture<>();
        run(() -> {
            try {
                answer.complete(MessageCodec.encode(receive(from, MessageCodec.decode(payload))));
            } catch (IOException | RuntimeException e) {
                LOG.warn("{}: could not handle a replication message from {}: {}", config.self(), from, e.toString());
                answer.completeExceptionally(e);
            }
        });
        return answer;
    }

    private Message receive(String from, Message m) throws IOException {
        if (closed || !started) {
            throw new IllegalStateException("replication is not running on " + config.self());
        }
        seen(m.epoch(), from);
        Message reply;
        if (m instanceof Probe p) {
            reply = follower.onProbe(p, highest);
        } else if (m instanceof Fetch f) {
            reply = follower.onFetch(f, highest);
        } else if (m instanceof Append a) {
            reply = follower.onAppend(a, highest);
        } else if (m instanceof SnapshotInstall s) {
            reply = follower.onSnapshot(s, highest);
        } else {
            throw new IllegalArgumentException("not a request: " + m.getClass().getSimpleName());
        }
        if ((m instanceof Append || m instanceof SnapshotInstall) && m.epoch() == highest && term == null
                && m.epoch() >= leaderEpoch) {
            leader = from;
            leaderEpoch = m.epoch();
        }
        return reply;
    }

    /** Records a newer epoch durably; a leadership of an older epoch ends. */
    private void seen(long epoch, String source) throws IOException {
        if (epoch > highest) {
            highest = log.observeEpoch(epoch);
            if (term != null && term.epoch() < highest) {
                endTerm(Reason.DEPOSED, source + " brought epoch " + epoch);
            }
        }
    }

    private void startTerm(long epoch) {
        if (epoch <= highest) {
            LOG.warn("{}: refused to lead with epoch {}: epoch {} was already seen", config.self(), epoch, highest);
            listener.leadershipEnded(epoch, "epoch " + epoch + " is not above the highest seen, " + highest);
            return;
        }
        try {
            highest = log.observeEpoch(epoch);
        } catch (IOException e) {
            LOG.error("{}: cannot record epoch {}; not leading", config.self(), epoch, e);
            listener.leadershipEnded(epoch, "storage failed: " + e.getMessage());
            return;
        }
        leader = config.self();
        leaderEpoch = epoch;
        term = new LeaderTerm(this, epoch, observers);
        term.start();
    }

    private void endTerm(Reason reason, String why) {
        LeaderTerm t = term;
        term = null;
        t.end(reason, why);
        LOG.info("{}: leadership of epoch {} ended: {}", config.self(), t.epoch(), why);
        if (config.self().equals(leader) && leaderEpoch == t.epoch()) {
            leader = config.fixedLeader() ? config.self() : null;
        }
        listener.leadershipEnded(t.epoch(), why);
        if (config.fixedLeader() && !closed && reason != Reason.STOPPED) {
            relead = scheduler.schedule(config.heartbeat().multipliedBy(2), () -> run(() -> {
                if (!closed && term == null) {
                    startTerm(highest + 1);
                }
            }));
        }
    }

    // ---- services for LeaderTerm

    ReplicationConfig config() {
        return config;
    }

    OperationLog log() {
        return log;
    }

    Scheduler scheduler() {
        return scheduler;
    }

    CommitRegister register() {
        return register;
    }

    /** Runs {@code task} on the core's thread, then publishes the status. */
    void run(Runnable task) {
        scheduler.execute(() -> {
            try {
                task.run();
            } finally {
                publish();
            }
        });
    }

    /** Continues on the core's thread when {@code future} completes (a synchronous throw counts as a failure). */
    <T> void onThread(CompletableFuture<T> future, BiConsumer<T, Throwable> then) {
        future.whenComplete((v, e) -> run(() -> then.accept(e == null ? v : null, e)));
    }

    /** Sends a request; {@code then} runs on the core's thread with the decoded answer or the failure. */
    void ask(String member, String type, Message m, Duration timeout, BiConsumer<Message, Throwable> then) {
        CompletableFuture<byte[]> f;
        try {
            f = transport.request(member, type, MessageCodec.encode(m), timeout);
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        onThread(f, (bytes, err) -> {
            if (err != null) {
                then.accept(null, err);
                return;
            }
            Message reply;
            try {
                reply = MessageCodec.decode(bytes);
            } catch (RuntimeException e) {
                LOG.warn("{}: unreadable answer from {}: {}", config.self(), member, e.getMessage());
                then.accept(null, e);
                return;
            }
            try {
                seen(reply.epoch(), member);
            } catch (IOException e) {
                LOG.error("{}: cannot record epoch {}", config.self(), reply.epoch(), e);
            }
            then.accept(reply, null);
        });
    }

    void deposed(LeaderTerm t, long epoch, String why) {
        try {
            seen(epoch, "an answer");
        } catch (IOException e) {
            LOG.error("{}: cannot record epoch {}", config.self(), epoch, e);
        }
        if (term == t) {
            endTerm(Reason.DEPOSED, why);
        }
    }

    void storageFailed(LeaderTerm t, Exception e) {
        LOG.error("{}: the operation log failed while leading with epoch {}", config.self(), t.epoch(), e);
        if (term == t) {
            endTerm(Reason.STORAGE, "the local operation log failed: " + e.getMessage());
        }
    }

    /** The takeover found this node unfit to lead (its adopted log lacks a committed entry): end the term. */
    void refuse(LeaderTerm t, String why) {
        if (term == t) {
            endTerm(Reason.NO_LEADER, why);
        }
    }

    void ready(LeaderTerm t) {
        if (term == t) {
            listener.leaderReady(t.epoch());
        }
    }

    private void publish() {
        try {
            Map<String, ReplicaStatus.PeerStatus> peers = new HashMap<>();
            if (term != null) {
                for (Peer p : term.peers()) {
                    peers.put(p.name, new ReplicaStatus.PeerStatus(p.voter, p.matchIndex, p.appliedIndex,
                            p.heard ? p.lastHeardNanos : 0));
                }
            }
            status = new ReplicaStatus(config.self(), leader, leaderEpoch, term != null, term != null && term.ready(),
                    highest, log.commitIndex(), log.lastIndex(), peers);
        } catch (IOException e) {
            LOG.debug("{}: status not refreshed: {}", config.self(), e.toString());
        }
    }
}
