package io.gatehouse.api.cluster;

import java.util.List;
import java.util.Objects;

/**
 * One node's view of its group and the cluster.
 *
 * @param cluster     cluster name
 * @param node        this node's name
 * @param group       this node's group
 * @param role        this node's role in its group
 * @param leader      the group's leader (node name), or null when none is known
 * @param epoch       the highest epoch this node has seen
 * @param commitIndex this node's commit index
 * @param stale       true when this node cannot tell whether its state is current (no leader reachable, or
 *                    the cluster service stopped); it still serves its last applied state
 * @param reason      why the node is stale or the group cannot write, or empty
 * @param members     every member this node knows of, itself included, sorted by group then name
 */
public record ClusterStatus(String cluster, String node, String group, Role role, String leader, long epoch,
                            long commitIndex, boolean stale, String reason, List<MemberStatus> members) {
    public ClusterStatus {
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(role, "role");
        reason = reason == null ? "" : reason;
        members = List.copyOf(members);
    }

    /** True when this node is its group's leader. */
    public boolean leading() {
        return node.equals(leader);
    }
}
