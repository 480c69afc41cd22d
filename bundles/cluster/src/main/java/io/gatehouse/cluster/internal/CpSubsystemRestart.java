package io.gatehouse.cluster.internal;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.cp.CPMember;
import com.hazelcast.cp.CPSubsystemManagementService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Restarts the CP subsystem of a group whose METADATA CP group lost its majority for good (docs/cluster.md,
 * "CP subsystem restart"). Hazelcast never replaces a lost CP member by itself, and removing or promoting one
 * needs a METADATA majority: when a majority of the voters crash at once, or their initial CP discovery fails,
 * the voters that come back can never be promoted and the group has no leader until someone intervenes.
 *
 * <p>Every {@code check}, the Hazelcast master (the oldest member: only it may restart the CP subsystem) asks
 * the METADATA group for the CP member list. Once it has stayed unable to answer for {@code after}, while every
 * voter of the group is a (non-lite) member and the member list has not changed for {@code stable}, it calls
 * Hazelcast's CP {@code reset()}: a new CP discovery among the voters now present, with empty CP state. That
 * empty state is the case "every CP member restarts at once" of the safety argument: the next leader takes an
 * epoch above every epoch in the durable logs and adopts the most advanced log of a majority, so no committed
 * entry is lost; a leader of the old CP state can neither renew its lease nor commit (both registers were
 * wiped). The restart is not idempotent: after one, the next is possible only after {@code quiet}. The master
 * can be an observer (a lite member: Hazelcast lets it restart the CP subsystem, whose new discovery takes only
 * full members), so every member of the group watches, observers too.
 *
 * <p>It also restarts it when METADATA answers but a voter that is a member of the cluster has stayed outside
 * the CP groups for {@code quiet}: its own repair normally brings it back in seconds, so that long means the
 * promotion is blocked for good (a CP membership change that never ended, seen after repeated SIGSTOPs), and
 * the group would run on with one voter less of fault tolerance.
 *
 * <p>Everything runs on {@code thread} (a CP call can block up to its deadline); every call has a deadline.
 */
final class CpSubsystemRestart {
    private static final Logger LOG = LoggerFactory.getLogger(CpSubsystemRestart.class);
    /** Deadline of the METADATA read that tells whether the group answers. */
    static final Duration CALL = Duration.ofSeconds(3);

    private final HazelcastInstance hz;
    private final List<String> voters;
    private final ScheduledExecutorService thread;
    private final LongSupplier nanos;
    private final Duration check;
    private final Duration after;
    private final Duration stable;
    private final Duration quiet;
    private final BiConsumer<String, String> event;

    private volatile boolean stopped;
    // repair thread only
    private Set<String> lastMembers = Set.of();
    private long membersSince;
    private long unansweredSince = -1;
    private long outsideSince = -1;
    private long restartedAt = -1;
    private int restarts;

    /**
     * @param voters the group's voters by node name
     * @param event  told (kind, detail) of a restart, for the membership history
     */
    CpSubsystemRestart(HazelcastInstance hz, List<String> voters, ScheduledExecutorService thread, LongSupplier nanos,
                       Duration check, Duration after, Duration stable, Duration quiet,
                       BiConsumer<String, String> event) {
        this.hz = hz;
        this.voters = List.copyOf(voters);
        this.thread = thread;
        this.nanos = nanos;
        this.check = check;
        this.after = after;
        this.stable = stable;
        this.quiet = quiet;
        this.event = event;
        this.membersSince = nanos.getAsLong();
    }

    void start() {
        schedule(check.toMillis());
    }

    void stop() {
        stopped = true;
    }

    /** How many times this member restarted the CP subsystem. */
    int restarts() {
        return restarts;
    }

    private void schedule(long delayMillis) {
        if (stopped) {
            return;
        }
        try {
            thread.schedule(() -> {
                if (stopped) {
                    return;
                }
                try {
                    round();
                } catch (RuntimeException e) {
                    LOG.error("CP subsystem watch failed", e);
                }
                schedule(check.toMillis());
            }, delayMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            LOG.debug("CP subsystem watch not scheduled: stopping");
        }
    }

    /**
     * Member UUID to CP member UUID of every voter that is a CP member: a voter promoted after the CP discovery
     * (restarted, or repaired) has a CP member UUID of its own (Hazelcast draws a new one at promotion), which
     * nothing else in the member list tells; without it the master counted every such voter outside the CP groups
     * and restarted the CP subsystem for nothing 4 x {@code cp.restartAfter} after any voter restart.
     */
    static final String CP_UUIDS = "gatehouse.cp-member-uuids";

    /** One check; restarts the CP subsystem when every condition holds. */
    void round() {
        long now = nanos.getAsLong();
        publishLocalCpUuid();
        List<Member> members = new ArrayList<>(hz.getCluster().getMembers());
        Set<String> ids = new HashSet<>();
        for (Member m : members) {
            ids.add(m.getUuid().toString());
        }
        if (!ids.equals(lastMembers)) {
            lastMembers = ids;
            membersSince = now;
        }
        if (members.isEmpty() || !members.get(0).localMember()) {
            unansweredSince = -1; // only the master may restart; it watches alone
            outsideSince = -1;
            return;
        }
        Set<String> missing = missingVoters(members);
        Collection<CPMember> cpMembers = cpMembers();
        boolean settled = now - membersSince >= stable.toNanos();
        boolean rested = restartedAt < 0 || now - restartedAt >= quiet.toNanos();
        if (cpMembers != null) {
            unansweredSince = -1;
            // METADATA answers; a voter that stays outside the CP groups for long is stuck there (a CP membership
            // change that never ends blocks its promotion: seen in bench/cluster.sh's SIGSTOP trials)
            Set<String> outside = missing.isEmpty() ? votersOutsideCp(members, cpMembers, cpUuids(members))
                    : Set.of();
            if (outside.isEmpty()) {
                outsideSince = -1;
                return;
            }
            if (outsideSince < 0) {
                outsideSince = now;
            }
            if (now - outsideSince >= quiet.toNanos() && settled && rested) {
                restart("the voters " + outside + " have been in the cluster but outside the CP groups for "
                        + TimeUnit.NANOSECONDS.toMillis(now - outsideSince) + " ms (CP members: " + cpMembers + ")");
            }
            return;
        }
        outsideSince = -1;
        if (unansweredSince < 0) {
            unansweredSince = now;
            LOG.info("The CP METADATA group does not answer (watching: the CP subsystem is restarted after {} ms "
                    + "of this with every voter present)", after.toMillis());
        }
        if (!missing.isEmpty()) {
            LOG.debug("CP METADATA group not answering; voters not in the cluster: {}", missing);
            return;
        }
        if (now - unansweredSince >= after.toNanos() && settled && rested) {
            restart("the CP METADATA group has not answered for "
                    + TimeUnit.NANOSECONDS.toMillis(now - unansweredSince) + " ms with every voter " + voters
                    + " in the cluster (its majority is lost for good)");
        }
    }

    /** The CP member list when the METADATA group answers it in time (it has a majority), else null. */
    private Collection<CPMember> cpMembers() {
        CPSubsystemManagementService cp = hz.getCPSubsystem().getCPSubsystemManagementService();
        if (!cp.isDiscoveryCompleted()) {
            return null;
        }
        try {
            return cp.getCPMembers().toCompletableFuture().get(CALL.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of(); // stopping: conclude nothing
        } catch (ExecutionException | java.util.concurrent.TimeoutException | RuntimeException e) {
            LOG.debug("The CP METADATA group did not answer: {}", e.toString());
            return null;
        }
    }

    /**
     * Full members whose current member is not a CP member (a CP member's UUID is the member UUID it was
     * promoted or discovered with), by node name; empty when the CP member list is empty (nothing to conclude).
     */
    static Set<String> votersOutsideCp(List<Member> members, Collection<CPMember> cpMembers,
                                       Map<String, String> cpUuidOf) {
        if (cpMembers.isEmpty()) {
            return Set.of();
        }
        Set<String> cp = new HashSet<>();
        for (CPMember c : cpMembers) {
            cp.add(c.getUuid().toString());
        }
        Set<String> outside = new TreeSet<>();
        for (Member m : members) {
            String uuid = m.getUuid().toString();
            if (!m.isLiteMember() && !cp.contains(uuid) && !cp.contains(cpUuidOf.get(uuid))) {
                outside.add(m.getAttribute(HazelcastMembers.ATTR_NODE));
            }
        }
        return outside;
    }

    /** This member's CP member UUID, published for the master when it is a CP member (voters). */
    private void publishLocalCpUuid() {
        if (hz.getCluster().getLocalMember().isLiteMember()) {
            return;
        }
        try {
            CPMember local = hz.getCPSubsystem().getLocalCPMember();
            if (local != null) {
                String me = hz.getCluster().getLocalMember().getUuid().toString();
                String cpUuid = local.getUuid().toString();
                Map<String, String> map = hz.getMap(CP_UUIDS);
                if (!cpUuid.equals(map.get(me))) {
                    map.put(me, cpUuid);
                }
            }
        } catch (RuntimeException e) {
            LOG.debug("Cannot publish this member's CP member UUID: {}", e.toString());
        }
    }

    /** The published CP member UUIDs of the members present; the entries of members gone are dropped. */
    private Map<String, String> cpUuids(List<Member> members) {
        try {
            Map<String, String> map = hz.getMap(CP_UUIDS);
            Set<String> present = new HashSet<>();
            for (Member m : members) {
                present.add(m.getUuid().toString());
            }
            Map<String, String> out = new java.util.HashMap<>();
            for (Map.Entry<String, String> e : new ArrayList<>(map.entrySet())) {
                if (present.contains(e.getKey())) {
                    out.put(e.getKey(), e.getValue());
                } else {
                    map.remove(e.getKey()); // bounded by the members present
                }
            }
            return out;
        } catch (RuntimeException e) {
            LOG.debug("Cannot read the CP member UUIDs: {}", e.toString());
            return Map.of();
        }
    }

    /** Voters that are not a full member of the cluster now. */
    private Set<String> missingVoters(List<Member> members) {
        Set<String> missing = new TreeSet<>(voters);
        for (Member m : members) {
            if (!m.isLiteMember()) {
                missing.remove(m.getAttribute(HazelcastMembers.ATTR_NODE));
            }
        }
        return missing;
    }

    private void restart(String why) {
        restartedAt = nanos.getAsLong();
        unansweredSince = -1;
        outsideSince = -1;
        LOG.warn("Restarting the CP subsystem: {}; CP state is wiped, the configuration is not (the durable logs are "
                + "the truth: docs/cluster.md)", why);
        try {
            hz.getCPSubsystem().getCPSubsystemManagementService().reset().toCompletableFuture()
                    .get(CpMemberRepair.CHANGE_CALL.toMillis(), TimeUnit.MILLISECONDS);
            restarts++;
            event.accept("cp-restart", why);
            LOG.warn("CP subsystem restarted: a new CP discovery runs among the voters present");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            // not retried before quiet: reset() is not idempotent, and it may have begun
            LOG.error("Restarting the CP subsystem failed (next attempt after {} ms at the earliest): {}",
                    quiet.toMillis(), e.toString());
        }
    }
}
