package io.gatehouse.cluster.internal.consensus;

import io.gatehouse.api.cluster.ClusterStatus;
import io.gatehouse.api.cluster.Consensus;
import io.gatehouse.api.cluster.ConsensusException;
import io.gatehouse.api.cluster.ConsensusException.Reason;
import io.gatehouse.api.cluster.MemberState;
import io.gatehouse.api.cluster.MemberStatus;
import io.gatehouse.api.cluster.Role;
import io.gatehouse.api.cluster.WriteGateway;
import io.gatehouse.api.log.Change;
import io.gatehouse.api.log.LogEntry;
import io.gatehouse.api.log.OperationLog;
import io.gatehouse.cluster.internal.ClusterNode;
import io.gatehouse.cluster.internal.ClusterSettings;
import io.gatehouse.cluster.internal.Messaging;
import io.gatehouse.cluster.internal.MessagingException;
import io.gatehouse.cluster.internal.groups.GroupClient;
import io.gatehouse.cluster.internal.groups.GroupSignature;
import io.gatehouse.cluster.internal.replication.CommitRegister;
import io.gatehouse.cluster.internal.replication.ExecutorScheduler;
import io.gatehouse.cluster.internal.replication.Replica;
import io.gatehouse.cluster.internal.replication.ReplicaStatus;
import io.gatehouse.cluster.internal.replication.ReplicationConfig;
import io.gatehouse.cluster.internal.replication.ReplicationListener;
import io.gatehouse.cluster.internal.replication.Scheduler;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Consensus} of one node: the replication core ({@link Replica}) on its own {@link ExecutorScheduler},
 * talking over the cluster's messaging, committing through the CP commit register (none for 1–2 voters), led
 * by the CP lease through a {@link LeaseBridge} (or by itself as the fixed leader of 1–2 voters). Forwards
 * writes to the leader's {@link WriteGateway} ({@value #FORWARD}), and writes for another group to one of its
 * nodes' admin API ({@link GroupClient}). Every heartbeat it hands the core the set of live observers and the
 * lease the highest epoch seen. Built and closed by {@link ConsensusComponent}.
 */
public final class ClusterConsensus implements Consensus, AutoCloseable {
    /** Message type of a write forwarded to the leader. */
    public static final String FORWARD = "write.forward";
    /** Prefix of the replication thread's name. */
    public static final String THREAD_PREFIX = "gatehouse-replication-";
    /** Forwarded writes a leader waits on at once (each holds one of the messaging executor's threads). */
    static final int MAX_FORWARDS = 4;
    /** A follower that has not heard from its leader for this many heartbeats is stale. */
    static final int STALE_HEARTBEATS = 3;
    /**
     * Forwards of one write: each to a new leadership, or again to a leader that was taking over (every half
     * heartbeat), all within the write's deadline.
     */
    static final int MAX_FORWARD_ATTEMPTS = 16;

    private static final Logger LOG = LoggerFactory.getLogger(ClusterConsensus.class);

    private final ClusterNode node;
    private final ClusterSettings settings;
    private final OperationLog log;
    private final Supplier<WriteGateway> gateway;
    private final LongSupplier appliedIndex;
    private final ExecutorScheduler scheduler;
    private final MessagingTransport transport;
    private final LeaseBridge bridge;
    private final Replica replica;
    /** Sends writes to other groups; null when no {@code groups.<name>} is configured. */
    private final GroupClient groups;
    private final Messaging.Handler forwardHandler = this::handleForward;
    private final Semaphore forwards = new Semaphore(MAX_FORWARDS);
    private final long staleNanos;
    private volatile boolean closed;
    private volatile Set<String> observers = Set.of();
    private volatile Scheduler.Cancellable ticks;

    /**
     * @param gateway      this node's write gateway (the core), null when absent
     * @param appliedIndex this node's applied index (the core's), or -1 when unknown
     */
    public ClusterConsensus(ClusterNode node, OperationLog log, Supplier<WriteGateway> gateway,
                            LongSupplier appliedIndex) {
        this.node = Objects.requireNonNull(node, "node");
        this.settings = node.settings();
        this.log = Objects.requireNonNull(log, "log");
        this.gateway = gateway;
        this.appliedIndex = appliedIndex;
        String self = settings.nodeName();
        ReplicationConfig config = ReplicationConfig.of(self, settings.voters());
        config = config.withTimings(settings.heartbeat(), config.requestTimeout(), config.registerTimeout(),
                config.antiEntropy(), config.majorityWindow());
        this.staleNanos = settings.heartbeat().toNanos() * STALE_HEARTBEATS;
        this.scheduler = new ExecutorScheduler(THREAD_PREFIX + self);
        this.transport = new MessagingTransport(node.messaging(), config.requestTimeout(), System::nanoTime);
        CommitRegister register = config.fixedLeader() ? CommitRegister.NONE
                : new CpCommitRegister(node.commitRegister().orElseThrow(() -> new IllegalStateException(
                        "a group of " + settings.voters().size() + " voters needs the CP commit register")));
        this.bridge = node.leadership().usesLease() && !config.fixedLeader()
                ? new LeaseBridge(self, node.leadership(), log, scheduler::execute) : null;
        ReplicationListener listener = bridge != null ? bridge : new ReplicationListener() { };
        this.replica = new Replica(config, log, transport, register, scheduler, appliedIndex, listener);
        this.groups = settings.groups().isEmpty() ? null : new GroupClient(self, settings.group(), settings.groups(),
                new GroupSignature(node.secret(), System::currentTimeMillis), node.groupsTls());
    }

    /** Starts replication, the lease bridge, the forward handler and the heartbeat chores. */
    public void start() {
        replica.start();
        node.messaging().register(FORWARD, forwardHandler);
        if (bridge != null) {
            bridge.start(replica);
        }
        tick();
        LOG.info("Consensus of {} started ({} voters {}, {})", settings.nodeName(), settings.voters().size(),
                settings.voters(), bridge != null ? "led by the CP lease" : "fixed leader " + settings.voters().get(0));
    }

    /** Stops: no new work, the core ends its leadership (pending writes fail STOPPED), the thread stops. */
    @Override
    public void close() {
        closed = true;
        Scheduler.Cancellable t = ticks;
        if (t != null) {
            t.cancel();
        }
        node.messaging().unregister(FORWARD, forwardHandler);
        if (groups != null) {
            groups.close();
        }
        if (bridge != null) {
            bridge.stop();
        }
        try {
            replica.stop().get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("The replication core of {} did not stop in 5 s: {}", settings.nodeName(), e.toString());
        }
        scheduler.close();
        LOG.info("Consensus of {} stopped", settings.nodeName());
    }

    /** The core (tests). */
    Replica replica() {
        return replica;
    }

    private void tick() {
        if (closed) {
            return;
        }
        try {
            Set<String> now = new TreeSet<>();
            for (MemberStatus m : node.status().members()) {
                if (m.role() == Role.OBSERVER && (m.state() == MemberState.ALIVE || m.state() == MemberState.SUSPECT)) {
                    now.add(m.name());
                }
            }
            // polled: ClusterNode has no membership listener; a heartbeat's delay is what a new observer waits
            if (!now.equals(observers)) {
                observers = Set.copyOf(now);
                replica.observers(now);
            }
            if (bridge != null) {
                bridge.syncFloor(replica.status().highestEpoch());
            }
        } catch (RuntimeException e) {
            LOG.warn("Consensus chores of {} failed: {}", settings.nodeName(), e.toString());
        }
        ticks = scheduler.schedule(settings.heartbeat(), this::tick);
    }

    // ---- Consensus

    @Override
    public ClusterStatus status() {
        ClusterStatus base = node.status();
        ReplicaStatus r = replica.status();
        long now = System.nanoTime();
        String self = settings.nodeName();
        String leader;
        String reason = "";
        if (r.leading()) {
            leader = r.ready() ? self : null;
            if (!r.ready()) {
                reason = "taking over as leader (epoch " + r.leaderEpoch() + ")";
            }
        } else if (r.leader() == null || r.leader().equals(self)) {
            leader = null;
            reason = "no leader known";
        } else {
            leader = r.leader();
            Long heard = transport.lastHeardFrom(leader);
            if (heard == null) {
                reason = "not heard from the leader " + leader + " yet";
            } else if (now - heard > staleNanos) {
                reason = "not heard from the leader " + leader + " for " + (now - heard) / 1_000_000 + " ms";
            }
        }
        if (closed) {
            reason = "the cluster service is stopped";
        } else if (!base.reason().isEmpty() && !base.reason().equals("no leader known")) {
            reason = base.reason();
        }
        long own = ownApplied();
        List<MemberStatus> members = new ArrayList<>();
        for (MemberStatus m : base.members()) {
            if (m.name().equals(self)) {
                members.add(new MemberStatus(m.name(), m.group(), m.role(), m.address(), m.state(), own, 0));
                continue;
            }
            ReplicaStatus.PeerStatus p = r.peers().get(m.name());
            if (p == null) {
                members.add(m);
                continue;
            }
            long seen = p.lastHeardNanos() == 0 ? m.lastSeenMillis()
                    : Math.min(m.lastSeenMillis(), (now - p.lastHeardNanos()) / 1_000_000);
            members.add(new MemberStatus(m.name(), m.group(), m.role(), m.address(), m.state(), p.appliedIndex(), seen));
        }
        return new ClusterStatus(base.cluster(), base.node(), base.group(), base.role(), leader,
                Math.max(base.epoch(), r.highestEpoch()), r.commitIndex(), !reason.isEmpty(), reason, members);
    }

    private long ownApplied() {
        try {
            return appliedIndex.getAsLong();
        } catch (RuntimeException e) {
            return -1;
        }
    }

    @Override
    public CompletableFuture<LogEntry> commit(String requestId, List<Change> changes, Duration timeout) {
        if (closed) {
            return stopped();
        }
        return within(replica.commit(requestId, changes, timeout), timeout);
    }

    @Override
    public CompletableFuture<byte[]> forward(String group, byte[] request, Duration timeout) {
        if (closed) {
            return stopped();
        }
        if (group != null && !group.equals(settings.group())) {
            if (groups == null) {
                return failed(Reason.UNKNOWN_GROUP, "unknown group '" + group + "': this node is in group '"
                        + settings.group() + "' and reaches no other group (groups.<name> in io.gatehouse.cluster)",
                        null);
            }
            return within(groups.forward(group, request, timeout), timeout);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        return within(attempt(request, deadline, deadline - giveUpMargin(timeout)), timeout);
    }

    /**
     * {@code f}, completed with TIMEOUT at the latest shortly after {@code timeout}: the core and the retries
     * have their own deadlines, this keeps the promise when their thread stopped first (deactivation).
     */
    private <T> CompletableFuture<T> within(CompletableFuture<T> f, Duration timeout) {
        return f.copy().orTimeout(timeout.toMillis() + 200, TimeUnit.MILLISECONDS).handle((v, e) -> {
            if (e == null) {
                return v;
            }
            Throwable t = unwrap(e);
            if (t instanceof TimeoutException) {
                throw new ConsensusException(closed ? Reason.STOPPED : Reason.TIMEOUT, closed
                        ? "the cluster service of " + settings.nodeName() + " stopped" : "no outcome in time", t);
            }
            throw t instanceof ConsensusException c ? c : asConsensus(t);
        });
    }

    /**
     * How long before the deadline a forward stops waiting for a new leader and answers the refusal it has:
     * the write never reached a leader, so the caller gets 503 with the reason rather than its own 504 (the
     * core's deadline fires at the same time as ours).
     */
    public static long giveUpMargin(Duration timeout) {
        return Math.min(TimeUnit.MILLISECONDS.toNanos(500), timeout.toNanos() / 10);
    }

    /**
     * Sends the write to the leader, following leadership changes until {@code giveUp}: every forward goes to a
     * leadership that has not refused it yet, or again to a leader that said it was still taking over (after
     * half a heartbeat); while no leader is known, or this node is taking over, it waits (polling every half
     * heartbeat). At {@code giveUp}, or after {@value #MAX_FORWARD_ATTEMPTS} forwards, the last refusal is the
     * answer (NO_LEADER when none came).
     */
    private CompletableFuture<byte[]> attempt(byte[] request, long deadline, long giveUp) {
        CompletableFuture<byte[]> result = new CompletableFuture<>();
        forwardStep(new Forward(request, deadline, giveUp, result), 0, null, null);
        return result;
    }

    /** One forwarded write in progress. */
    private record Forward(byte[] request, long deadline, long giveUp, CompletableFuture<byte[]> result) {
    }

    /**
     * @param sent    forwards sent so far
     * @param last    the leadership the last one went to, or null
     * @param refusal its refusal, or null
     */
    private void forwardStep(Forward f, int sent, Target last, ConsensusException refusal) {
        if (closed) {
            f.result().completeExceptionally(refusal != null ? refusal : stoppedException());
            return;
        }
        long now = System.nanoTime();
        if (f.deadline() - now <= 0) {
            f.result().completeExceptionally(new ConsensusException(Reason.TIMEOUT,
                    "the deadline passed before the leader answered", (String) null));
            return;
        }
        ReplicaStatus r = replica.status();
        if (r.leading() && r.ready()) {
            local(f.request(), f.deadline() - now).whenComplete((v, e) -> complete(f.result(), v, e));
            return;
        }
        Target target = r.leading() || r.leader() == null || r.leader().equals(settings.nodeName()) ? null
                : new Target(r.leader(), r.leaderEpoch());
        if (target != null && sent < MAX_FORWARD_ATTEMPTS && (last == null || newLeadership(r, last)
                || takingOver(refusal, last) && target.equals(last))) {
            send(f, sent, target);
            return;
        }
        if (now >= f.giveUp() || sent >= MAX_FORWARD_ATTEMPTS) {
            f.result().completeExceptionally(refusal != null ? refusal : new ConsensusException(Reason.NO_LEADER,
                    r.leading() ? "this node is taking over as leader" : "no leader is known for group "
                            + settings.group(), (String) null));
            return;
        }
        scheduler.schedule(Duration.ofNanos(Math.min(f.giveUp() - now, settings.heartbeat().toNanos() / 2)),
                () -> forwardStep(f, sent, last, refusal));
    }

    /**
     * Sends the write to {@code target}. While its answer is outstanding, a new leadership seen here sends it
     * there too (a paused leader answers nothing until its deadline; the same request id makes the second copy
     * safe, as a client's retry with the same key is): the first success is the answer.
     */
    private void send(Forward f, int sent, Target target) {
        long remaining = f.deadline() - System.nanoTime();
        long margin = Math.min(TimeUnit.MILLISECONDS.toNanos(100), remaining / 10);
        byte[] payload = ForwardCodec.request(TimeUnit.NANOSECONDS.toMillis(remaining - margin), f.request());
        CompletableFuture<byte[]> answer;
        try {
            answer = node.messaging().request(target.leader(), FORWARD, payload, Duration.ofNanos(remaining));
        } catch (RuntimeException e) {
            answer = CompletableFuture.failedFuture(e);
        }
        AtomicBoolean moved = new AtomicBoolean();
        CompletableFuture<byte[]> sentAnswer = answer;
        watchLeadership(f, sent, target, sentAnswer, moved);
        answer.whenComplete((bytes, err) -> {
            ConsensusException failure;
            if (err == null) {
                try {
                    f.result().complete(ForwardCodec.answer(bytes));
                    return;
                } catch (ConsensusException e) {
                    failure = e;
                } catch (RuntimeException e) {
                    failure = new ConsensusException(Reason.STOPPED, "the leader " + target.leader()
                            + " answered unreadably: " + e.getMessage(), e);
                }
            } else {
                failure = fromMessaging(target.leader(), unwrap(err));
            }
            if (!moved.compareAndSet(false, true)) {
                return; // already sent to a newer leadership, which answers
            }
            if (!retriable(failure)) {
                f.result().completeExceptionally(failure);
                return;
            }
            LOG.debug("Forward to {} (epoch {}) refused: {}", target.leader(), target.epoch(), failure.getMessage());
            ConsensusException refusal = failure;
            if (takingOver(refusal, target)) {
                // the leader we reached is not ready yet: ask it again shortly
                long left = f.giveUp() - System.nanoTime();
                scheduler.schedule(Duration.ofNanos(Math.max(0, Math.min(left, settings.heartbeat().toNanos() / 2))),
                        () -> forwardStep(f, sent + 1, target, refusal));
            } else {
                forwardStep(f, sent + 1, target, refusal);
            }
        });
    }

    /** Every half heartbeat while {@code answer} is outstanding: a new leadership takes the write over. */
    private void watchLeadership(Forward f, int sent, Target target, CompletableFuture<byte[]> answer,
                                 AtomicBoolean moved) {
        scheduler.schedule(Duration.ofNanos(settings.heartbeat().toNanos() / 2), () -> {
            if (answer.isDone() || moved.get() || f.result().isDone() || closed
                    || System.nanoTime() >= f.deadline()) {
                return;
            }
            if (sent + 1 < MAX_FORWARD_ATTEMPTS && newLeadership(replica.status(), target)
                    && moved.compareAndSet(false, true)) {
                LOG.debug("Forward to {} (epoch {}) unanswered and a new leadership is known: sending it there",
                        target.leader(), target.epoch());
                forwardStep(f, sent + 1, target, new ConsensusException(Reason.NOT_LEADER, target.leader()
                        + " did not answer before a new leadership was known", (String) null));
                return;
            }
            watchLeadership(f, sent, target, answer, moved);
        });
    }

    private static void complete(CompletableFuture<byte[]> result, byte[] value, Throwable error) {
        if (error != null) {
            result.completeExceptionally(unwrap(error));
        } else {
            result.complete(value);
        }
    }

    private static boolean retriable(ConsensusException e) {
        return e.reason() == Reason.NOT_LEADER || e.reason() == Reason.NO_LEADER;
    }

    /** True when {@code refusal} came from {@code target} saying it is taking over (leads, not ready yet). */
    static boolean takingOver(ConsensusException refusal, Target target) {
        return refusal != null && target != null && refusal.reason() == Reason.NO_LEADER
                && target.leader().equals(refusal.leader());
    }

    /** A leader and the epoch it leads in (0 when unknown). */
    record Target(String leader, long epoch) {
    }

    /**
     * True when {@code now} shows a leadership a refused forward to {@code tried} can be sent to again: this
     * node leads and is ready, or another node leads, or the same node leads again in a later epoch (it
     * stepped down and was elected again, which a loaded machine makes common).
     */
    static boolean newLeadership(ReplicaStatus now, Target tried) {
        if (now.leading()) {
            return now.ready();
        }
        String leader = now.leader();
        return leader != null && !leader.equals(now.self())
                && (!leader.equals(tried.leader()) || now.leaderEpoch() > tried.epoch());
    }

    private CompletableFuture<byte[]> local(byte[] request, long remainingNanos) {
        WriteGateway g = gateway.get();
        if (g == null) {
            return failed(Reason.STOPPED, "core not running on " + settings.nodeName() + " (no WriteGateway)", null);
        }
        CompletableFuture<byte[]> f;
        try {
            f = g.handle(request, Duration.ofNanos(remainingNanos));
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        return f.copy().orTimeout(remainingNanos, TimeUnit.NANOSECONDS).handle((v, e) -> {
            if (e == null) {
                return v;
            }
            throw asConsensus(unwrap(e));
        });
    }

    /** The leader's side of {@value #FORWARD}; runs on the messaging executor and waits for the core's answer. */
    private byte[] handleForward(Messaging.Incoming in) {
        ForwardCodec.Request req = ForwardCodec.request(in.payload());
        ReplicaStatus r = replica.status();
        if (closed) {
            return ForwardCodec.refused(Reason.STOPPED, null, "the cluster service of " + settings.nodeName()
                    + " is stopped");
        }
        if (r.leading() && !r.ready()) {
            // names itself: the sender asks again shortly (takingOver)
            return ForwardCodec.refused(Reason.NO_LEADER, settings.nodeName(), settings.nodeName()
                    + " is taking over as leader (not ready yet)");
        }
        if (!r.leading()) {
            String leader = settings.nodeName().equals(r.leader()) ? null : r.leader();
            return ForwardCodec.refused(Reason.NOT_LEADER, leader, settings.nodeName() + " does not lead"
                    + (leader != null ? "; " + leader + " does" : ""));
        }
        if (!forwards.tryAcquire()) {
            return ForwardCodec.refused(Reason.OVERLOADED, null, "the leader " + settings.nodeName()
                    + " is busy: " + MAX_FORWARDS + " forwarded writes in progress");
        }
        try {
            byte[] answer = local(req.body(), TimeUnit.MILLISECONDS.toNanos(Math.max(1, req.timeoutMillis())))
                    .get(req.timeoutMillis() + 100, TimeUnit.MILLISECONDS);
            return ForwardCodec.ok(answer);
        } catch (ExecutionException e) {
            ConsensusException c = asConsensus(unwrap(e));
            return ForwardCodec.refused(c.reason(), c.leader(), c.getMessage());
        } catch (TimeoutException e) {
            return ForwardCodec.refused(Reason.TIMEOUT, null, "the leader's core did not answer in time");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ForwardCodec.refused(Reason.STOPPED, null, "interrupted");
        } finally {
            forwards.release();
        }
    }

    private ConsensusException fromMessaging(String leader, Throwable t) {
        if (t instanceof ConsensusException c) {
            return c;
        }
        if (t instanceof MessagingException m) {
            return switch (m.reason()) {
                case TIMEOUT -> new ConsensusException(Reason.TIMEOUT, "no answer from the leader " + leader
                        + " in time (the write may still commit)", m);
                case UNKNOWN_MEMBER, UNREACHABLE, REFUSED, NO_HANDLER, STOPPED, OVERLOADED, BAD_SIGNATURE -> new
                    ConsensusException(closed ? Reason.STOPPED : Reason.NO_LEADER, "the leader " + leader
                    + " cannot be reached: " + m.getMessage(), m);
                case HANDLER_FAILED -> new ConsensusException(Reason.STOPPED, "the leader " + leader
                        + " failed: " + m.getMessage(), m);
            };
        }
        if (t instanceof TimeoutException) {
            return new ConsensusException(Reason.TIMEOUT, "no answer from the leader " + leader + " in time", t);
        }
        return new ConsensusException(Reason.NO_LEADER, "the leader " + leader + " cannot be reached: " + t, t);
    }

    private static ConsensusException asConsensus(Throwable t) {
        if (t instanceof ConsensusException c) {
            return c;
        }
        if (t instanceof TimeoutException) {
            return new ConsensusException(Reason.TIMEOUT, "the write was not answered in time (it may still commit)", t);
        }
        return new ConsensusException(Reason.STOPPED, "the core failed: " + t, t);
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private static <T> CompletableFuture<T> failed(Reason reason, String message, String leader) {
        return CompletableFuture.failedFuture(new ConsensusException(reason, message, leader));
    }

    private <T> CompletableFuture<T> stopped() {
        return CompletableFuture.failedFuture(stoppedException());
    }

    private ConsensusException stoppedException() {
        return new ConsensusException(Reason.STOPPED, "the cluster service of " + settings.nodeName() + " is stopped",
                (String) null);
    }

    /** This node's log commit index: the applied index when the core does not tell (documented fallback). */
    static long commitIndexOf(OperationLog log) {
        try {
            return log.commitIndex();
        } catch (IOException e) {
            return -1;
        }
    }
}
