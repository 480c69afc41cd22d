package io.gatehouse.cluster.internal;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.cp.CPGroup;
import com.hazelcast.cp.CPGroupId;
import com.hazelcast.cp.CPMember;
import com.hazelcast.cp.CPSubsystemManagementService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a restarted voter in the CP group (STACK.md, docs/cluster.md): Hazelcast does not replace a lost CP
 * member, and a restarted process joins as a plain member with a new UUID.
 *
 * <p>The voter itself owns its return, and retries until it is done: once CP discovery has completed, a voter
 * that is not a CP member removes the CP member at its own address (its previous incarnation: matched by
 * address, not UUID; Hazelcast logs a warning because a member with that address is alive, and removes it),
 * then promotes itself when the CP group has fewer members than voters. A step that fails (no answer in time,
 * the METADATA group busy with another membership change, no majority) is retried every {@code retry}. The
 * repair is done when every CP group lists this voter's CP member; a voter that is not done after
 * {@code deadline} logs one ERROR with the last obstacle and goes on retrying, more slowly.
 *
 * <p>Once done, the voter keeps watching (every {@code watch}): its CP member can still be removed while it runs,
 * when it was paused or cut off long enough for the survivors to remove it (below) and then came back, merged
 * into the cluster with a new member UUID but the old CP identity. Hazelcast never lets such a member be a CP
 * member again (it cannot be promoted while it has a local CP member): the repair reports it once to
 * {@code removed}, whose owner restarts the Hazelcast member, which then returns like a restarted voter.
 *
 * <p>Survivors help: when a voter's member leaves the cluster, every CP member removes the CP member at its
 * address after {@code removeDelay}, unless a member with that address is back in the cluster by then (the
 * new incarnation does it itself). The address is checked again after the CP member list is read, so that a
 * new incarnation promoted in between is never removed.
 *
 * <p>Every Hazelcast call waits at most its own deadline; everything runs on {@code thread}, never on the
 * threads of the liveness messages (a CP call can block for seconds while a majority is missing).
 */
final class CpMemberRepair {
    private static final Logger LOG = LoggerFactory.getLogger(CpMemberRepair.class);
    /**
     * A read. Short: a restarted voter's first read of the CP members can go to its previous incarnation's
     * address and get no answer at all; the next attempt, with the CP member list Hazelcast has published to it
     * since, answers at once.
     */
    static final Duration CALL = Duration.ofSeconds(3);
    /** Removal and promotion commit in the METADATA group and then change every CP group. */
    static final Duration CHANGE_CALL = Duration.ofSeconds(10);
    private static final int GONE_ATTEMPTS = 10;

    /** Where the repair of this voter stands. */
    enum State {
        /** Not yet a member of every CP group, within the deadline. */
        REPAIRING,
        /** Not done after the deadline: logged, still retrying. */
        OVERDUE,
        /** A member of every CP group. */
        DONE,
        /**
         * This node's CP member was removed while it runs: Hazelcast cannot promote it again before the member
         * restarts (reported to the owner, which restarts it).
         */
        REMOVED
    }

    private final HazelcastInstance hz;
    private final int cpMemberCount;
    private final ScheduledExecutorService thread;
    private final LongSupplier nanos;
    private final Duration retry;
    private final Duration deadline;
    private final Duration removeDelay;
    private final Duration watch;
    private final Runnable removed;

    private volatile State state = State.REPAIRING;
    private volatile boolean stopped;
    // repair thread only
    private long startedAt;
    private boolean repaired;
    /** A round found this voter outside a CP group (or could not tell): its return is worth a log line. */
    private boolean waited;
    private boolean warnedNoPlace;
    private String obstacle = "not started";

    CpMemberRepair(HazelcastInstance hz, int cpMemberCount, ScheduledExecutorService thread, LongSupplier nanos,
                   Duration retry, Duration deadline, Duration removeDelay) {
        this(hz, cpMemberCount, thread, nanos, retry, deadline, removeDelay, deadline, () -> { });
    }

    /**
     * @param watch   how often a done repair checks that this voter's CP member is still listed
     * @param removed told once, on the repair thread, when this voter's CP member was removed while it runs
     */
    CpMemberRepair(HazelcastInstance hz, int cpMemberCount, ScheduledExecutorService thread, LongSupplier nanos,
                   Duration retry, Duration deadline, Duration removeDelay, Duration watch, Runnable removed) {
        this.hz = hz;
        this.cpMemberCount = cpMemberCount;
        this.thread = thread;
        this.nanos = nanos;
        this.retry = retry;
        this.deadline = deadline;
        this.removeDelay = removeDelay;
        this.watch = watch;
        this.removed = removed;
        this.startedAt = nanos.getAsLong();
    }

    /** Starts the rounds of this voter's repair (the first after {@code retry}). */
    void start() {
        schedule(() -> {
            startedAt = nanos.getAsLong();
            round();
        }, retry.toMillis());
    }

    /** Stops scheduling; the caller shuts {@code thread} down. */
    void stop() {
        stopped = true;
    }

    State state() {
        return state;
    }

    /** A member left the cluster (a survivor's view): remove the CP member at its address later. */
    void memberGone(String address) {
        schedule(() -> removeGone(address, GONE_ATTEMPTS), removeDelay.toMillis());
    }

    private void removeGone(String address, int attemptsLeft) {
        if (!removeGone(address) && attemptsLeft > 1) {
            schedule(() -> removeGone(address, attemptsLeft - 1), retry.toMillis());
        }
    }

    private void round() {
        boolean done = attempt();
        waited |= !done;
        long late = nanos.getAsLong() - startedAt - deadline.toNanos();
        if (done) {
            state = State.DONE;
            schedule(this::watchRound, watch.toMillis());
            return;
        }
        if (state == State.REMOVED) {
            reportRemoved();
            return;
        }
        if (late >= 0 && state == State.REPAIRING) {
            state = State.OVERDUE;
            LOG.error("This voter has not regained its place in the CP groups within {} ms: {}. The CP group runs "
                    + "with fewer members than voters: one more failure leaves it without a majority. Still "
                    + "retrying; if this persists, remove the stale CP member (by UUID) with Hazelcast's CP "
                    + "management and restart this node", deadline.toMillis(), obstacle);
        }
        schedule(this::round, state == State.OVERDUE ? retry.toMillis() * 5 : retry.toMillis());
    }

    /** A done repair: checks that this voter's CP member is still listed, then again after {@code watch}. */
    private void watchRound() {
        if (stillListed()) {
            schedule(this::watchRound, watch.toMillis());
        } else {
            reportRemoved();
        }
    }

    /**
     * False only when the METADATA group answers with a CP member list without this node's CP member (removed
     * while it runs); true when listed, and when the list cannot be read now (no majority: nothing to conclude).
     */
    boolean stillListed() {
        CPSubsystemManagementService cp = hz.getCPSubsystem().getCPSubsystemManagementService();
        CPMember local = cp.getLocalCPMember();
        if (local == null) {
            return true;
        }
        Collection<CPMember> members;
        try {
            members = get(cp.getCPMembers(), CALL);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        } catch (Exception e) {
            LOG.debug("Checking this voter's CP membership failed (will retry): {}", cause(e));
            return true;
        }
        if (contains(members, local)) {
            return true;
        }
        state = State.REMOVED;
        LOG.error("This voter's CP member {} was removed from the CP group while this node runs (it was paused or cut "
                + "off long enough for the others to remove it): Hazelcast cannot make it a CP member again (CP "
                + "members: {})", local.getUuid(), members);
        return false;
    }

    private void reportRemoved() {
        if (stopped) {
            return;
        }
        stopped = true;
        LOG.warn("Restarting this node's Hazelcast member: a new member can be promoted to the CP group again");
        try {
            removed.run();
        } catch (RuntimeException e) {
            LOG.error("Restarting the Hazelcast member after the loss of its CP membership failed", e);
        }
    }

    /** One attempt of this voter's repair; true when this node's CP member is in every CP group. */
    boolean attempt() {
        CPSubsystemManagementService cp = hz.getCPSubsystem().getCPSubsystemManagementService();
        if (!cp.isDiscoveryCompleted()) {
            obstacle = "CP discovery has not completed";
            return false;
        }
        try {
            // local first: a promotion that completes late is committed before it sets the local CP member
            CPMember local = cp.getLocalCPMember();
            obstacle = "reading the CP member list";
            Collection<CPMember> members = get(cp.getCPMembers(), CALL);
            if (local != null) {
                if (!contains(members, local)) {
                    state = State.REMOVED;
                    LOG.error("This voter's CP member {} was removed from the CP group while this node runs: "
                            + "Hazelcast cannot promote it again (CP members: {})", local.getUuid(), members);
                    return false;
                }
                return inEveryGroup(cp, local);
            }
            // this node is not a CP member, and no two cluster members share an address: a CP member at this
            // node's address is a previous incarnation that is gone
            String mine = hz.getCluster().getLocalMember().getAddress().toString();
            List<CPMember> old = new ArrayList<>();
            for (CPMember m : members) {
                if (m.getAddress().toString().equals(mine)) {
                    old.add(m);
                }
            }
            for (CPMember m : old) {
                obstacle = "removing the CP member " + m.getUuid() + " of this voter's previous incarnation";
                LOG.info("Removing the CP member of this voter's previous incarnation ({} at {})", m.getUuid(), mine);
                get(cp.removeCPMember(m.getUuid()), CHANGE_CALL);
                repaired = true;
            }
            int size = members.size() - old.size();
            if (size >= cpMemberCount) {
                obstacle = "the CP group has " + size + " members, none at this voter's address " + mine;
                if (!warnedNoPlace) {
                    warnedNoPlace = true;
                    LOG.warn("This voter is not a CP member and no CP member at its address {} is gone: it takes "
                            + "no part in the CP group until a CP member is removed (CP members: {})", mine, members);
                }
                return false;
            }
            obstacle = "promoting this voter (the CP group has " + size + " of " + cpMemberCount + " members)";
            LOG.info("The CP group has {} of {} members: promoting this voter", size, cpMemberCount);
            get(cp.promoteToCPMember(), CHANGE_CALL);
            repaired = true;
            local = cp.getLocalCPMember();
            return local != null && inEveryGroup(cp, local);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (Exception e) {
            // expected while another membership change runs or a majority is missing: the next round retries
            obstacle = obstacle + " failed: " + cause(e);
            LOG.info("CP membership repair: {} (retrying in {} ms)", obstacle, retry.toMillis());
            return false;
        }
    }

    /** True when every CP group lists {@code local}; logs the return of a repaired voter once. */
    private boolean inEveryGroup(CPSubsystemManagementService cp, CPMember local) throws Exception {
        List<String> names = new ArrayList<>();
        obstacle = "reading the CP groups";
        for (CPGroupId id : get(cp.getCPGroupIds(), CALL)) {
            CPGroup group = get(cp.getCPGroup(id.getName()), CALL);
            if (group != null && !contains(group.members(), local)) {
                obstacle = "the CP group " + id.getName() + " does not list this voter's CP member " + local.getUuid()
                        + " yet";
                return false;
            }
            names.add(id.getName());
        }
        if (repaired || waited) {
            LOG.info("This voter is back in the CP groups {} as CP member {} ({} ms after its repair started)", names,
                    local.getUuid(), TimeUnit.NANOSECONDS.toMillis(nanos.getAsLong() - startedAt));
        }
        return true;
    }

    /**
     * A survivor's removal of the CP member at the address of a member that left the cluster: only when this
     * node is a CP member and no cluster member has that address, before and after the CP member list is read.
     * True when done or nothing to do; false to retry.
     */
    boolean removeGone(String address) {
        CPSubsystemManagementService cp = hz.getCPSubsystem().getCPSubsystemManagementService();
        if (!cp.isDiscoveryCompleted() || cp.getLocalCPMember() == null || inCluster(address)) {
            return true;
        }
        try {
            Collection<CPMember> members = get(cp.getCPMembers(), CALL);
            if (inCluster(address)) {
                return true; // back while we asked: its new incarnation may already be promoted at this address
            }
            for (CPMember m : members) {
                if (m.getAddress().toString().equals(address)) {
                    LOG.info("Removing the CP member {} at {}: its member left the cluster", m.getUuid(), address);
                    get(cp.removeCPMember(m.getUuid()), CHANGE_CALL);
                }
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        } catch (Exception e) {
            LOG.debug("Removing the CP member at {} failed (will retry): {}", address, cause(e));
            return false;
        }
    }

    private boolean inCluster(String address) {
        for (Member m : hz.getCluster().getMembers()) {
            if (m.getAddress().toString().equals(address)) {
                return true;
            }
        }
        return false;
    }

    private static boolean contains(Collection<CPMember> members, CPMember m) {
        for (CPMember c : members) {
            if (c.getUuid().equals(m.getUuid())) {
                return true;
            }
        }
        return false;
    }

    private void schedule(Runnable r, long delayMillis) {
        if (stopped) {
            return;
        }
        try {
            thread.schedule(() -> {
                if (stopped) {
                    return;
                }
                try {
                    r.run();
                } catch (RuntimeException e) {
                    LOG.error("CP membership upkeep failed", e);
                }
            }, delayMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            LOG.debug("CP membership upkeep not scheduled: stopping");
        }
    }

    private static <T> T get(CompletionStage<T> f, Duration timeout) throws Exception {
        return f.toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static String cause(Exception e) {
        Throwable t = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
        return t.toString();
    }
}
