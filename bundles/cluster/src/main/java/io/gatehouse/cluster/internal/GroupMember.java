package io.gatehouse.cluster.internal;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceNotActiveException;
import com.hazelcast.core.LifecycleEvent.LifecycleState;
import io.gatehouse.api.cluster.ClusterStatus;
import io.gatehouse.api.cluster.Role;
import io.gatehouse.cluster.internal.groups.GroupTls;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node's running member of its group's Hazelcast cluster, with everything on top of it: the membership
 * view and liveness messages, the messaging layer, the secret check, leadership and the commit register.
 * {@link #start} blocks until the member has joined; {@link #stop} leaves gracefully.
 */
final class GroupMember implements ClusterNode {
    static final String ALIVE = "gatehouse.alive";
    static final String LEAVING = "gatehouse.leaving";
    static final String REFUSED_REASON = "refused: wrong cluster secret";

    private static final Logger LOG = LoggerFactory.getLogger(GroupMember.class);
    private static final String LOST_REASON = "Hazelcast shut the member down by itself";
    /** A restarted voter retries its CP repair this often, and logs an ERROR when not done after the deadline. */
    static final Duration REPAIR_RETRY = Duration.ofSeconds(1);
    static final Duration REPAIR_DEADLINE = Duration.ofSeconds(60);
    /** A voter back in the CP groups checks this often that its CP member has not been removed since. */
    static final Duration REPAIR_WATCH = Duration.ofSeconds(2);
    /** How often the cached CP Raft leaders are brought in step with the local Raft nodes (STACK.md: 20 ms). */
    static final Duration HINT_PERIOD = Duration.ofMillis(20);

    private final ClusterSettings settings;
    private final ClusterSecret secret;
    private final SSLContext groupsTls;
    private final HazelcastInstance hz;
    private final LamportClock clock = new LamportClock();
    private final MembershipView view;
    private final ExecutorMessaging messaging;
    private final TrustGate trust;
    private final Leadership leadership;
    private final CommitRegister commitRegister;
    private final ScheduledExecutorService scheduler;
    private final ScheduledExecutorService leaseThread;
    private final ExecutorService blocking;
    private final ExecutorService local;
    private final String address;
    /** CP membership upkeep (voters of CP groups), else null. */
    private final CpMemberRepair repair;
    /** Keeps Hazelcast's cached CP Raft leaders current (voters with CP), else null. */
    private final RaftLeaderHint leaderHint;
    /**
     * Restarts the CP subsystem when its METADATA majority is lost for good (every member of a CP group, observers
     * too: only the master acts), else null.
     */
    private final CpSubsystemRestart cpRestart;
    /** The thread of {@link #repair} and {@link #cpRestart} (members of CP groups), else null. */
    private final ScheduledExecutorService repairThread;
    /** Told once when this member must be replaced by a new one (see {@link #start}). */
    private final Runnable restart;
    private final AtomicBoolean restartAsked = new AtomicBoolean();
    private volatile boolean stopping;
    private volatile String reason = "";

    private GroupMember(ClusterSettings s, ClusterSecret secret, SSLContext groupsTls, HazelcastInstance hz,
                        Runnable restart) {
        this.settings = s;
        this.secret = secret;
        this.groupsTls = groupsTls;
        this.hz = hz;
        this.restart = restart;
        String node = s.nodeName();
        Member me = hz.getCluster().getLocalMember();
        this.address = MembershipView.address(me);
        this.scheduler = new ScheduledThreadPoolExecutor(2, threads("gatehouse-cluster-" + node));
        this.leaseThread = new ScheduledThreadPoolExecutor(1, threads("gatehouse-lease-" + node));
        this.blocking = new ThreadPoolExecutor(1, 2, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(16),
                threads("gatehouse-cp-" + node));
        this.local = new ThreadPoolExecutor(2, 2, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(1000),
                threads("gatehouse-local-" + node));
        this.view = new MembershipView(node, s.group(), s.role(), clock, System::nanoTime, s.suspectAfter().toNanos());
        view.selfAddress(address);
        this.messaging = new ExecutorMessaging(node, me.getUuid().toString(), secret, clock, view,
                hz.getExecutorService(ExecutorMessaging.EXECUTOR), scheduler, local);
        this.trust = new TrustGate(node, secret, messaging, view, scheduler, s.suspectAfter().multipliedBy(2),
                this::refused);
        if (s.usesCp()) {
            CpRegister lease = new CpRegister(hz, "gatehouse.lease", blocking);
            this.leadership = new LeaseKeeper(node, lease, s.leaseRenew(), s.leaseStepDown(), s.leaseTakeover(),
                    System::nanoTime, () -> s.role() == Role.VOTER && trust.verified().isDone() && !stopping,
                    view::selfEvent, leaseThread);
            this.commitRegister = new CpRegister(hz, "gatehouse.commit", blocking).asCommitRegister();
            boolean voter = s.role() == Role.VOTER;
            Duration after = s.cpRestartAfter();
            // its CP calls block for seconds while a majority is missing: never on the liveness threads
            this.repairThread = (voter || !after.isZero()) ? new ScheduledThreadPoolExecutor(1,
                    threads((voter ? "gatehouse-cp-repair-" : "gatehouse-cp-watch-") + node)) : null;
            if (voter) {
                // survivors remove a gone voter's CP member after the lease has moved on: a CP membership
                // change slows the CP calls of a takeover
                this.repair = new CpMemberRepair(hz, s.voters().size(), repairThread, System::nanoTime,
                        REPAIR_RETRY, REPAIR_DEADLINE, s.leaseTakeover().plus(s.leaseStepDown()), REPAIR_WATCH,
                        this::askForRestart);
                this.leaderHint = RaftLeaderHint.of(hz).orElse(null);
            } else {
                this.repair = null;
                this.leaderHint = null;
            }
            // only the Hazelcast master may restart the CP subsystem, and the master is the oldest member, which is
            // often an observer once the voters have restarted: every member watches, the master acts (ClusterFaultIT:
            // the CP groups had lost their majority for good while the observer was master, and nothing restarted them)
            this.cpRestart = after.isZero() ? null : new CpSubsystemRestart(hz, s.voters(), repairThread,
                    System::nanoTime, clamp(after.dividedBy(6), Duration.ofMillis(500), Duration.ofSeconds(5)),
                    after, clamp(after.dividedBy(2), Duration.ofSeconds(1), Duration.ofSeconds(10)),
                    after.multipliedBy(4), view::selfEvent);
        } else {
            this.repair = null;
            this.repairThread = null;
            this.cpRestart = null;
            this.leaderHint = null;
            this.leadership = new StaticLeadership(node, s.staticLeader(), leaseThread);
            this.commitRegister = null;
        }
    }

    /** Starts the member and joins the group (blocks until joined). */
    static GroupMember start(ClusterSettings s, ClusterSecret secret, ClassLoader classLoader) {
        return start(s, secret, classLoader, () -> LOG.error("This node's Hazelcast member must be restarted: "
                + "restart the node"));
    }

    /**
     * Starts the member and joins the group (blocks until joined). {@code restart} is told, once, on a Hazelcast or
     * CP repair thread (it must not block), when this member cannot go on and the owner should stop it and start a
     * new one:
     * <ul>
     *   <li>it merged back into its group's cluster after a split (it was paused, cut off, or removed by a slow
     *   failure detector): Hazelcast then gives it a new member UUID, while its messaging, secret check and
     *   membership view stay bound to the old one (its envelopes carry the old UUID, which the others no longer
     *   trust, and it never learns the members it merged with as joined): it could hold the lease and never
     *   reach a voter, leaving its group without a leader;</li>
     *   <li>this voter's CP member was removed while it runs: Hazelcast never uses it as a CP member again;</li>
     *   <li>Hazelcast shut the member down by itself (a failed CP discovery, a merge it could not do).</li>
     * </ul>
     * A new member starts clean and, for a voter, is promoted to the CP groups again.
     */
    static GroupMember start(ClusterSettings s, ClusterSecret secret, ClassLoader classLoader, Runnable restart) {
        // before joining: a trust file that cannot be read now fails the start without a join and a leave
        SSLContext groupsTls = GroupTls.context(s.tlsTrust());
        Config config = HazelcastMembers.config(s, classLoader);
        HazelcastInstance hz = Hazelcast.newHazelcastInstance(config);
        try {
            GroupMember m = new GroupMember(s, secret, groupsTls, hz, restart);
            m.begin();
            return m;
        } catch (RuntimeException e) {
            hz.getLifecycleService().terminate();
            throw e;
        }
    }

    /**
     * Hazelcast shut this member down by itself, not through {@link #stop()} or {@link #kill()} (after its CP
     * discovery failed, or a split-brain merge it could not do): the member is gone for good; its owner is asked
     * to start a new one.
     */
    private void lost() {
        synchronized (this) {
            if (stopping) {
                return;
            }
            stopping = true;
        }
        LOG.error("Hazelcast shut the cluster member of {} down by itself (its log above says why); this node is "
                + "out of its group until the member is started again", settings.nodeName());
        view.selfEvent("lost", LOST_REASON);
        if (restartAsked.compareAndSet(false, true)) {
            restart.run();
        }
    }

    private void begin() {
        hz.getLifecycleService().addLifecycleListener(event -> {
            if (event.getState() == LifecycleState.SHUTTING_DOWN || event.getState() == LifecycleState.SHUTDOWN) {
                lost();
            }
        });
        if (!hz.getLifecycleService().isRunning()) {
            lost(); // it shut down before the listener was added
        }
        messaging.register(ALIVE, m -> new byte[0]);
        messaging.register(LEAVING, m -> {
            view.leftByName(m.sender());
            return new byte[0];
        });
        hz.getUserContext().put(ExecutorMessaging.USER_CONTEXT_KEY, messaging);
        hz.getLifecycleService().addLifecycleListener(event -> {
            if (event.getState() == LifecycleState.MERGED && !stopping) {
                LOG.warn("Cluster node {} merged back into its group's cluster after a split, as a new Hazelcast "
                        + "member ({}): its messaging and membership view belong to the member it was; restarting it",
                        settings.nodeName(), hz.getCluster().getLocalMember().getUuid());
                askForRestart();
            }
        });
        hz.getCluster().addMembershipListener(new MembershipListener() {
            @Override
            public void memberAdded(MembershipEvent event) {
                trust.challenge(event.getMember());
            }

            @Override
            public void memberRemoved(MembershipEvent event) {
                view.removed(event.getMember());
                trust.removed(event.getMember());
                if (repair != null && !stopping && !event.getMember().isLiteMember()) {
                    repair.memberGone(event.getMember().getAddress().toString());
                }
            }
        });
        List<Member> older = new ArrayList<>();
        List<Member> others = new ArrayList<>();
        boolean beforeMe = true;
        for (Member m : hz.getCluster().getMembers()) {
            if (m.localMember()) {
                beforeMe = false;
            } else {
                others.add(m);
                if (beforeMe) {
                    older.add(m);
                }
            }
        }
        view.selfEvent("started", address + (older.isEmpty() ? " (first member)" : " (joined "
                + older.size() + " older members)"));
        trust.start(older, others);
        long beat = settings.heartbeat().toMillis();
        scheduler.scheduleWithFixedDelay(this::liveness, beat, beat, TimeUnit.MILLISECONDS);
        if (leaderHint != null) {
            scheduler.scheduleWithFixedDelay(leaderHint::refresh, HINT_PERIOD.toMillis(), HINT_PERIOD.toMillis(),
                    TimeUnit.MILLISECONDS);
        }
        if (leadership instanceof LeaseKeeper keeper) {
            keeper.start();
            if (repair != null) {
                repair.start();
            }
            if (cpRestart != null) {
                cpRestart.start();
            }
        } else {
            StaticLeadership fixed = (StaticLeadership) leadership;
            trust.verified().thenRun(() -> {
                if (!stopping) {
                    fixed.start();
                }
            });
        }
        LOG.info("Cluster node {} ({} of group {}) up at {}: {} voters {}, leadership by {}", settings.nodeName(),
                settings.role(), settings.group(), address, settings.voters().size(), settings.voters(),
                settings.usesCp() ? "CP lease" : "static first voter " + settings.staticLeader());
    }

    /** Tells the owner, once, that this member must be replaced (see {@link #start}). */
    private void askForRestart() {
        if (!stopping && restartAsked.compareAndSet(false, true)) {
            restart.run();
        }
    }

    private void liveness() {
        if (stopping) {
            return;
        }
        if (!hz.getLifecycleService().isRunning()) {
            // Hazelcast can end its node without a lifecycle event: after a failed CP discovery it calls
            // "Terminating forcefully" on the node itself (an observer of bench/cluster.sh stayed without its
            // member for minutes, unnoticed by the listener)
            lost();
            return;
        }
        try {
            view.checkSuspects();
            for (Member m : view.liveMembers()) {
                String uuid = m.getUuid().toString();
                String name = m.getAttribute(HazelcastMembers.ATTR_NODE);
                messaging.send(m, name, ALIVE, new byte[0], settings.suspectAfter())
                        .thenRun(() -> view.heard(uuid));
            }
        } catch (RuntimeException e) {
            LOG.debug("Liveness round failed", e);
        }
    }

    private void refused() {
        reason = REFUSED_REASON;
        LOG.error("{}: the members this node joined do not share its cluster secret (secret / secret.file); "
                + "its Hazelcast member leaves the cluster", REFUSED_REASON);
        view.selfEvent("refused", "wrong cluster secret");
        stopping = true;
        messaging.stop();
        scheduler.execute(() -> {
            stopLeadership(Duration.ofMillis(200));
            hz.getLifecycleService().shutdown();
        });
    }

    /** Leaves gracefully: hands the lease over, tells the group, shuts the member down. */
    void stop() {
        boolean wasRunning = !stopping;
        stopping = true;
        if (repair != null) {
            repair.stop();
        }
        if (cpRestart != null) {
            cpRestart.stop();
        }
        if (wasRunning) {
            stopLeadership(Duration.ofSeconds(1));
            List<CompletableFuture<byte[]>> told = new ArrayList<>();
            for (Member m : view.liveMembers()) {
                told.add(messaging.send(m, m.getAttribute(HazelcastMembers.ATTR_NODE), LEAVING, new byte[0],
                        Duration.ofMillis(500)));
            }
            try {
                CompletableFuture.allOf(told.toArray(CompletableFuture[]::new)).get(600, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                LOG.debug("Not every member acknowledged the leave: {}", e.toString());
            }
        }
        messaging.stop();
        try {
            // a member that Hazelcast shut down by itself may be gone already: its proxy then throws
            hz.getUserContext().remove(ExecutorMessaging.USER_CONTEXT_KEY);
            hz.getLifecycleService().shutdown();
        } catch (HazelcastInstanceNotActiveException e) {
            LOG.debug("Hazelcast member already shut down");
        } catch (RuntimeException e) {
            LOG.warn("Hazelcast shutdown: {}", e.toString());
        }
        shutdownExecutors();
        LOG.info("Cluster node {} stopped", settings.nodeName());
    }

    /** Abrupt end, like a crash (tests): the member is terminated, nothing is handed over. */
    void kill() {
        stopping = true;
        if (repair != null) {
            repair.stop();
        }
        if (cpRestart != null) {
            cpRestart.stop();
        }
        messaging.stop();
        if (leadership instanceof LeaseKeeper keeper) {
            keeper.halt();
        }
        hz.getLifecycleService().terminate();
        shutdownExecutors();
    }

    private void shutdownExecutors() {
        if (cpRestart != null) {
            cpRestart.stop();
        }
        if (repair != null) {
            repair.stop();
        }
        if (repairThread != null) {
            repairThread.shutdownNow();
        }
        for (ExecutorService e : List.of(scheduler, leaseThread, blocking, local)) {
            e.shutdownNow();
        }
    }

    /** The CP Raft leader hint of this voter (tests); empty for observers, groups without CP, or when off. */
    Optional<RaftLeaderHint> raftLeaderHint() {
        return Optional.ofNullable(leaderHint);
    }

    /** How many times this member restarted the CP subsystem (tests). */
    int cpRestarts() {
        return cpRestart == null ? 0 : cpRestart.restarts();
    }

    private static Duration clamp(Duration d, Duration min, Duration max) {
        return d.compareTo(min) < 0 ? min : d.compareTo(max) > 0 ? max : d;
    }

    /** The CP membership repair of this voter, for tests; empty for observers and groups without CP. */
    Optional<CpMemberRepair.State> cpRepairState() {
        return repair == null ? Optional.empty() : Optional.of(repair.state());
    }

    private void stopLeadership(Duration timeout) {
        if (leadership instanceof LeaseKeeper keeper) {
            keeper.stop(timeout);
        } else {
            ((StaticLeadership) leadership).stop();
        }
    }

    /** The Hazelcast member, for tests (abrupt termination). */
    HazelcastInstance hazelcast() {
        return hz;
    }

    ExecutorMessaging internalMessaging() {
        return messaging;
    }

    LamportClock clock() {
        return clock;
    }

    TrustGate trust() {
        return trust;
    }

    @Override
    public ClusterSettings settings() {
        return settings;
    }

    @Override
    public ClusterSecret secret() {
        return secret;
    }

    @Override
    public SSLContext groupsTls() {
        return groupsTls;
    }

    @Override
    public Messaging messaging() {
        return messaging;
    }

    @Override
    public Leadership leadership() {
        return leadership;
    }

    @Override
    public Optional<CommitRegister> commitRegister() {
        return Optional.ofNullable(commitRegister);
    }

    @Override
    public ClusterStatus status() {
        Optional<Leadership.Lease> lease = leadership.current();
        String leader = leadership.leadingEpoch().isPresent() ? settings.nodeName()
                : lease.map(Leadership.Lease::leader).orElse(null);
        if (settings.nodeName().equals(leader) && leadership.leadingEpoch().isEmpty()) {
            leader = null;
        }
        String why = reason;
        if (why.isEmpty() && stopping) {
            why = "the cluster service is stopping";
        } else if (why.isEmpty() && leader == null) {
            why = "no leader known";
        }
        return new ClusterStatus(settings.clusterName(), settings.nodeName(), settings.group(), settings.role(),
                leader, leadership.highestEpoch(), 0, !why.isEmpty(), why, view.statuses());
    }

    @Override
    public List<MemberEvent> events() {
        return view.events();
    }

    /** This node's Hazelcast address ({@code host:port}). */
    String address() {
        return address;
    }

    private static ThreadFactory threads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
