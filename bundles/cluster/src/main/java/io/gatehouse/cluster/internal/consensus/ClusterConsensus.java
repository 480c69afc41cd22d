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
    /** Tries of one forwarded write: each after a new leadership, all within the write's deadline. */
    static final int MAX_FORWARD_ATTEMPTS = 4;

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
                new GroupSignature(node.secret(), System::currentTimeMillis));
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
        return within(attempt(request, deadline, deadline - giveUpMargin(timeout), 1), timeout);
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
     * One try ({@code attempt} counts from 1, at most {@value #MAX_FORWARD_ATTEMPTS}); a refusal because the
     * leader it went to no longer leads waits for another leadership, which ends at {@code giveUp}.
     */
    private CompletableFuture<byte[]> attempt(byte[] request, long deadline, long giveUp, int attempt) {
        long remaining = deadline - System.nanoTime();
        if (remaining <= 0) {
            return failed(Reason.TIMEOUT, "the deadline passed before the leader answered", null);
        }
        ReplicaStatus r = replica.status();
        if (r.leading() && r.ready()) {
            return local(request, remaining);
        }
        String leader = r.leading() ? null : r.leader();
        if (leader == null || leader.equals(settings.nodeName())) {
            return failed(Reason.NO_LEADER, r.leading() ? "this node is taking over as leader"
                    : "no leader is known for group " + settings.group(), null);
        }
        Target tried = new Target(leader, r.leaderEpoch());
        long margin = Math.min(TimeUnit.MILLISECONDS.toNanos(100), remaining / 10);
        byte[] payload = ForwardCodec.request(TimeUnit.NANOSECONDS.toMillis(remaining - margin), request);
        CompletableFuture<byte[]> sent;
        try {
            sent = node.messaging().request(leader, FORWARD, payload, Duration.ofNanos(remaining));
        } catch (RuntimeException e) {
            sent = CompletableFuture.failedFuture(e);
        }
        CompletableFuture<byte[]> result = new CompletableFuture<>();
        sent.whenComplete((bytes, err) -> {
            ConsensusException failure;
            if (err == null) {
                try {
                    result.complete(ForwardCodec.answer(bytes));
                    return;
                } catch (ConsensusException e) {
                    failure = e;
                } catch (RuntimeException e) {
                    failure = new ConsensusException(Reason.STOPPED, "the leader " + leader + " answered "
                            + "unreadably: " + e.getMessage(), e);
                }
            } else {
                failure = fromMessaging(leader, unwrap(err));
            }
            if (attempt < MAX_FORWARD_ATTEMPTS && retriable(failure)) {
                retryAfterLeaderChange(request, deadline, giveUp, attempt, tried, failure, result);
            } else {
                result.completeExceptionally(failure);
            }
        });
        return result;
    }

    private static boolean retriable(ConsensusException e) {
        return e.reason() == Reason.NOT_LEADER || e.reason() == Reason.NO_LEADER;
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

    /**
     * Waits (polling every half heartbeat, until {@code giveUp}) for a new leadership, then tries again; none
     * by then: the refusal it has.
     */
    private void retryAfterLeaderChange(byte[] request, long deadline, long giveUp, int attempt, Target tried,
                                        ConsensusException first, CompletableFuture<byte[]> result) {
        if (closed) {
            result.completeExceptionally(first);
            return;
        }
        if (newLeadership(replica.status(), tried)) {
            LOG.debug("Forward: {} (epoch {}) refused ({}), trying the new leadership", tried.leader(),
                    tried.epoch(), first.getMessage());
            attempt(request, deadline, giveUp, attempt + 1).whenComplete((v, e) -> {
                if (e != null) {
                    result.completeExceptionally(unwrap(e));
                } else {
                    result.complete(v);
                }
            });
            return;
        }
        long left = giveUp - System.nanoTime();
        if (left <= 0) {
            result.completeExceptionally(first);
            return;
        }
        scheduler.schedule(Duration.ofNanos(Math.min(left, settings.heartbeat().toNanos() / 2)),
                () -> retryAfterLeaderChange(request, deadline, giveUp, attempt, tried, first, result));
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
        if (!r.leading() || !r.ready()) {
            String leader = r.leading() || settings.nodeName().equals(r.leader()) ? null : r.leader();
            return ForwardCodec.refused(Reason.NOT_LEADER, leader, settings.nodeName() + " does not lead"
                    + (leader != null ? "; " + leader + " does" : r.leading() ? " yet (taking over)" : ""));
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
        return failed(Reason.STOPPED, "the cluster service of " + settings.nodeName() + " is stopped", null);
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
