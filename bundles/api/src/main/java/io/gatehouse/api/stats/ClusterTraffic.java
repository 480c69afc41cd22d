package io.gatehouse.api.stats;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.osgi.annotation.versioning.ProviderType;

/** Gathers traffic counters from the other nodes (provided by the cluster bundle). */
@ProviderType
public interface ClusterTraffic {

    /** What {@link #collect} gathers. */
    enum Scope {
        /** This node only. */
        NODE,
        /** Every live member of this node's group. */
        GROUP,
        /** Every group this node can reach. */
        CLUSTER
    }

    /**
     * Asks the nodes of {@code scope} for their counters and adds those that answer within {@code deadline};
     * the others are flagged in the report. Never fails for a missing node; completes within the deadline
     * (plus the time to add the answers).
     */
    CompletableFuture<TrafficReport> collect(Scope scope, Duration deadline);
}
