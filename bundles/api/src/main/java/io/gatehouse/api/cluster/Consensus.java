package io.gatehouse.api.cluster;

import io.gatehouse.api.log.Change;
import io.gatehouse.api.log.LogEntry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The commit seam: how this node's group orders and commits operation-log entries. The cluster bundle
 * provides it (a node without peers is a one-node group); the core uses it for every configuration write
 * and applies what the {@link io.gatehouse.api.log.OperationLog} reports committed.
 *
 * <p>Every returned future completes within its timeout: exceptionally with {@link ConsensusException}
 * (its {@link ConsensusException#reason()} says why: not the leader, no majority, timed out, stopped).
 * A timed-out commit may still commit later; a client retries with the same request id and is answered
 * from the first commit.
 */
@ProviderType
public interface Consensus {

    /** This node's view of its group and the cluster, from memory (cheap, non-blocking). */
    ClusterStatus status();

    /**
     * Leader only: stamps {@code changes} as one entry with the leader's epoch and the next index, makes it
     * durable on a majority of the group's voters and commits it ({@link io.gatehouse.api.log.OperationLog#commitTo}
     * on this node; followers and observers learn the commit index next). Completes with the committed entry.
     * Calls are ordered: entries commit in the order the calls were made.
     */
    CompletableFuture<LogEntry> commit(String requestId, List<Change> changes, Duration timeout);

    /**
     * Sends {@code request} to the leader of {@code group} ({@code null}: this node's group), where the
     * leader's {@link WriteGateway} answers it; completes with that answer. A node that is itself that
     * leader answers locally. Another group is reached through one of its nodes' admin API (signed, see
     * {@link GroupAuthenticator}), whose node submits the request to its own leader; a group this node does
     * not know fails with {@link ConsensusException.Reason#UNKNOWN_GROUP}.
     */
    CompletableFuture<byte[]> forward(String group, byte[] request, Duration timeout);
}
