package io.gatehouse.cluster.internal.replication;

import java.util.Map;

/**
 * What the replication core knows, published after every event for cheap reads from any thread.
 *
 * @param self          this node
 * @param leader        the leader this node knows of (itself when leading), or null
 * @param leaderEpoch   the epoch of that leadership (0 when unknown)
 * @param leading       true while this node holds a leadership (taking over or ready)
 * @param ready         true when this node leads and its no-op committed: writes are accepted
 * @param highestEpoch  the highest epoch this node has seen
 * @param commitIndex   this node's commit index
 * @param lastIndex     this node's last log index
 * @param peers         when leading: what the leader knows of each other member
 */
public record ReplicaStatus(String self, String leader, long leaderEpoch, boolean leading, boolean ready,
                            long highestEpoch, long commitIndex, long lastIndex, Map<String, PeerStatus> peers) {
    public ReplicaStatus {
        peers = Map.copyOf(peers);
    }

    /**
     * The leader's view of one member.
     *
     * @param voter          true for a voter
     * @param matchIndex     the last index known to be stored there
     * @param appliedIndex   the applied index it last reported (-1 when unknown)
     * @param lastHeardNanos {@link Scheduler#nanoTime()} of its last answer (0 when never)
     */
    public record PeerStatus(boolean voter, long matchIndex, long appliedIndex, long lastHeardNanos) {
    }
}
