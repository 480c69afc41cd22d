package io.gatehouse.cluster.internal;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.cp.CPGroupId;
import com.hazelcast.cp.CPMember;
import com.hazelcast.cp.internal.RaftService;
import com.hazelcast.cp.internal.raft.impl.RaftEndpoint;
import com.hazelcast.cp.internal.raft.impl.RaftNode;
import com.hazelcast.instance.impl.HazelcastInstanceProxy;
import com.hazelcast.spi.impl.operationservice.impl.RaftInvocationContext;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this member's cache of each CP group's Raft leader in step with its own Raft node's view (STACK.md,
 * "what bounds leader failover"). Hazelcast sends every CP call to the Raft leader it has cached, and changes
 * that cache only on a reply, a "not leader" answer, or the target leaving the cluster, never on a timeout:
 * while a SIGSTOPped member that led a CP group is still a cluster member (until {@code deadAfter}), every CP
 * call of the survivors (the lease's CAS, the commit register) goes to it and waits, although the survivors'
 * Raft nodes elected a new leader within the Raft election timeout (500 ms). Measured in STACK.md: this copy,
 * every 20 ms, brought SIGSTOP failover from up to 3.7 s to 1.0–1.2 s.
 *
 * <p>Hazelcast 5.4.0 (pinned: the last community release with CP) keeps the setter package-private, so it is
 * called by reflection, resolved once; when that fails (another Hazelcast build) the hint is off, logged once,
 * and the cluster works as without it. It reads only in-memory state: never blocks.
 */
final class RaftLeaderHint {
    private static final Logger LOG = LoggerFactory.getLogger(RaftLeaderHint.class);

    private final RaftService raft;
    private final RaftInvocationContext context;
    private final Method getKnown;
    private final Method setKnown;
    private volatile boolean broken;

    private RaftLeaderHint(RaftService raft, RaftInvocationContext context, Method getKnown, Method setKnown) {
        this.raft = raft;
        this.context = context;
        this.getKnown = getKnown;
        this.setKnown = setKnown;
    }

    /** The hint for {@code hz}, or empty (logged) when this Hazelcast build does not allow it. */
    static Optional<RaftLeaderHint> of(HazelcastInstance hz) {
        try {
            HazelcastInstanceProxy proxy = (HazelcastInstanceProxy) hz;
            RaftService raft = proxy.getOriginal().node.getNodeEngine().getService(RaftService.SERVICE_NAME);
            RaftInvocationContext context = raft.getInvocationManager().getRaftInvocationContext();
            Method getKnown = RaftInvocationContext.class.getDeclaredMethod("getKnownLeader", CPGroupId.class);
            Method setKnown = RaftInvocationContext.class.getDeclaredMethod("setKnownLeader", CPGroupId.class,
                    CPMember.class);
            getKnown.setAccessible(true);
            setKnown.setAccessible(true);
            return Optional.of(new RaftLeaderHint(raft, context, getKnown, setKnown));
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.warn("The CP Raft leader hint is off ({}): a paused member that led a CP group delays failover "
                    + "until it is removed from the cluster", e.toString());
            return Optional.empty();
        }
    }

    /** Copies each local Raft node's leader into the invocation cache where they differ. */
    void refresh() {
        if (broken) {
            return;
        }
        try {
            for (RaftNode node : raft.getAllRaftNodes()) {
                RaftEndpoint leader = node.getLeader();
                CPMember member = leader == null ? null : context.getCPMember(leader.getUuid());
                if (member == null) {
                    continue;
                }
                CPGroupId group = node.getGroupId();
                CPMember known = (CPMember) getKnown.invoke(context, group);
                if (known == null || !known.getUuid().equals(member.getUuid())) {
                    setKnown.invoke(context, group, member);
                    LOG.debug("CP group {}: invocations now go to the Raft leader {} (was {})", group.getName(),
                            member.getAddress(), known == null ? "unknown" : known.getAddress());
                }
            }
        } catch (IllegalAccessException | InvocationTargetException | RuntimeException e) {
            broken = true;
            LOG.warn("The CP Raft leader hint failed and is off: {}", e.toString());
        }
    }

    /** The cached Raft leader of {@code group} (tests). */
    CPMember known(CPGroupId group) throws ReflectiveOperationException {
        return (CPMember) getKnown.invoke(context, group);
    }
}
