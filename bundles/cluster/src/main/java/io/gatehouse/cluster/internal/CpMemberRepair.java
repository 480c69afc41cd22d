package io.gatehouse.cluster.internal;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.cp.CPMember;
import com.hazelcast.cp.CPSubsystemManagementService;
import java.util.Collection;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a restarted voter in the CP group (STACK.md): Hazelcast does not replace a lost CP member, and a
 * restarted process joins as a plain member with a new UUID. So a voter that is not a CP member once CP
 * discovery has completed looks for a CP member at its own address that is no longer in the cluster (its old
 * incarnation: matched by address, not UUID), removes it and promotes itself; when the CP group has fewer
 * members than voters (a voter that left gracefully is removed from it by Hazelcast), it promotes itself.
 * Run periodically until this node is a CP member; every call has a deadline.
 */
final class CpMemberRepair {
    private static final Logger LOG = LoggerFactory.getLogger(CpMemberRepair.class);
    private static final long CALL_SECONDS = 5;

    private final HazelcastInstance hz;
    private final int cpMemberCount;
    private boolean warned;

    CpMemberRepair(HazelcastInstance hz, int cpMemberCount) {
        this.hz = hz;
        this.cpMemberCount = cpMemberCount;
    }

    /**
     * Called on a survivor when a member left the cluster: when this node is a CP member and a CP member has
     * the gone member's address (and no cluster member has that address now), removes that CP member, so
     * that the voter's next incarnation (same address) can be promoted. Hazelcast refuses the removal once a
     * member with that address is back in the cluster, so it has to happen before the restart. True when
     * done or nothing to do; false to retry.
     */
    boolean removeGone(String address) {
        CPSubsystemManagementService cp = hz.getCPSubsystem().getCPSubsystemManagementService();
        if (!cp.isDiscoveryCompleted() || cp.getLocalCPMember() == null) {
            return true;
        }
        for (com.hazelcast.cluster.Member m : hz.getCluster().getMembers()) {
            if (m.getAddress().toString().equals(address)) {
                return true;
            }
        }
        try {
            for (CPMember m : cp.getCPMembers().toCompletableFuture().get(CALL_SECONDS, TimeUnit.SECONDS)) {
                if (m.getAddress().toString().equals(address)) {
                    LOG.info("Removing the CP member {} at {}: its member left the cluster", m.getUuid(), address);
                    cp.removeCPMember(m.getUuid()).toCompletableFuture().get(CALL_SECONDS, TimeUnit.SECONDS);
                }
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        } catch (Exception e) {
            LOG.debug("Removing the CP member at {} failed (will retry): {}", address, e.toString());
            return false;
        }
    }

    /** One attempt; true when this node is (now) a CP member. */
    boolean repair() {
        CPSubsystemManagementService cp = hz.getCPSubsystem().getCPSubsystemManagementService();
        if (!cp.isDiscoveryCompleted()) {
            return false;
        }
        if (cp.getLocalCPMember() != null) {
            return true;
        }
        try {
            Collection<CPMember> members = cp.getCPMembers().toCompletableFuture().get(CALL_SECONDS, TimeUnit.SECONDS);
            // this node is not a CP member, and no two cluster members share an address: a CP member at this
            // node's address is a previous incarnation that is gone
            String mine = hz.getCluster().getLocalMember().getAddress().toString();
            CPMember old = null;
            for (CPMember m : members) {
                if (m.getAddress().toString().equals(mine)) {
                    old = m;
                }
            }
            if (old == null && members.size() < cpMemberCount) {
                // a voter that left gracefully was removed from the CP group by Hazelcast: take its place
                LOG.info("The CP group has {} of {} members: promoting this voter", members.size(), cpMemberCount);
                cp.promoteToCPMember().toCompletableFuture().get(CALL_SECONDS, TimeUnit.SECONDS);
                return cp.getLocalCPMember() != null;
            }
            if (old == null) {
                if (!warned) {
                    warned = true;
                    LOG.warn("This voter is not a CP member and no CP member at its address {} is gone: it takes "
                            + "no part in the CP group (CP members: {})", mine, members);
                }
                return false;
            }
            LOG.info("Replacing the CP member of this voter's previous incarnation ({} at {})", old.getUuid(), mine);
            cp.removeCPMember(old.getUuid()).toCompletableFuture().get(CALL_SECONDS, TimeUnit.SECONDS);
            cp.promoteToCPMember().toCompletableFuture().get(CALL_SECONDS, TimeUnit.SECONDS);
            LOG.info("Promoted to CP member");
            return cp.getLocalCPMember() != null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (Exception e) {
            LOG.warn("CP membership repair failed (will retry): {}", e.toString());
            return false;
        }
    }
}
