package io.gatehouse.cluster.internal.replication;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The static settings of one node's replication core.
 *
 * @param self            this node's name
 * @param voters          the group's voters, in configuration order (the same on every node); a node not
 *                        named here is an observer
 * @param heartbeat       how often the leader sends heartbeats (empty appends carrying its commit index)
 * @param requestTimeout  deadline of one replication request (probe, fetch, append, snapshot)
 * @param registerTimeout deadline of one commit register operation
 * @param antiEntropy     how often the leader asks each follower to check one committed entry
 * @param majorityWindow  a voter heard from within this window counts as reachable (for fast NO_MAJORITY)
 * @param maxBatch        most entries in one append or fetch
 * @param maxPending      most writes waiting to commit on the leader; more are refused
 */
public record ReplicationConfig(String self, List<String> voters, Duration heartbeat, Duration requestTimeout,
                                Duration registerTimeout, Duration antiEntropy, Duration majorityWindow,
                                int maxBatch, int maxPending) {

    public ReplicationConfig {
        Objects.requireNonNull(self, "self");
        voters = List.copyOf(voters);
        if (voters.isEmpty()) {
            throw new IllegalArgumentException("a group needs at least one voter");
        }
        if (voters.stream().distinct().count() != voters.size()) {
            throw new IllegalArgumentException("voters named twice: " + voters);
        }
        Objects.requireNonNull(heartbeat, "heartbeat");
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        Objects.requireNonNull(registerTimeout, "registerTimeout");
        Objects.requireNonNull(antiEntropy, "antiEntropy");
        Objects.requireNonNull(majorityWindow, "majorityWindow");
        if (maxBatch < 1 || maxPending < 1) {
            throw new IllegalArgumentException("maxBatch and maxPending must be positive");
        }
    }

    /** The defaults of docs/cluster.md: heartbeat 200 ms, anti-entropy every 5 s. */
    public static ReplicationConfig of(String self, List<String> voters) {
        return new ReplicationConfig(self, voters, Duration.ofMillis(200), Duration.ofMillis(1000),
                Duration.ofMillis(2000), Duration.ofSeconds(5), Duration.ofMillis(1000), 64, 1000);
    }

    public ReplicationConfig withTimings(Duration heartbeat, Duration requestTimeout, Duration registerTimeout,
                                         Duration antiEntropy, Duration majorityWindow) {
        return new ReplicationConfig(self, voters, heartbeat, requestTimeout, registerTimeout, antiEntropy,
                majorityWindow, maxBatch, maxPending);
    }

    public ReplicationConfig withLimits(int maxBatch, int maxPending) {
        return new ReplicationConfig(self, voters, heartbeat, requestTimeout, registerTimeout, antiEntropy,
                majorityWindow, maxBatch, maxPending);
    }

    /** True when this node votes. */
    public boolean voter() {
        return voters.contains(self);
    }

    /**
     * True for a group of one or two voters: no CP subsystem, no commit register, the first voter always
     * leads and every voter is needed for a commit (docs/cluster.md, "Groups of one or two voters").
     */
    public boolean fixedLeader() {
        return voters.size() <= 2;
    }

    /** How many voters (the leader included) must hold an entry before it commits. */
    public int quorum() {
        return fixedLeader() ? voters.size() : voters.size() / 2 + 1;
    }
}
