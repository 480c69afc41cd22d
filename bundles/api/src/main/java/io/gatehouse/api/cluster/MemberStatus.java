package io.gatehouse.api.cluster;

import java.util.Objects;

/**
 * A member as one node sees it.
 *
 * @param name         node name
 * @param group        its group
 * @param role         its role in that group
 * @param address      its cluster address ({@code host:port})
 * @param state        alive, suspect, dead or left
 * @param appliedIndex the last applied index it reported (-1 when unknown)
 * @param lastSeenMillis milliseconds since it was last heard from (0 for this node)
 */
public record MemberStatus(String name, String group, Role role, String address, MemberState state,
                           long appliedIndex, long lastSeenMillis) {
    public MemberStatus {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(state, "state");
    }
}
