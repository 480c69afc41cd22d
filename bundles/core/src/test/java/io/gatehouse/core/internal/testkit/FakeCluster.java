package io.gatehouse.core.internal.testkit;

import io.gatehouse.api.cluster.ClusterStatus;
import io.gatehouse.api.cluster.Consensus;
import io.gatehouse.api.cluster.ConsensusException;
import io.gatehouse.api.cluster.Role;
import io.gatehouse.api.cluster.WriteGateway;
import io.gatehouse.api.log.Change;
import io.gatehouse.api.log.LogEntry;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A cluster of in-memory nodes for unit tests: each node's {@link Consensus} is a {@link Node}; the leader's
 * commit appends to its own {@link MemoryLog}, copies the entry to every other node's log
 * ({@code appendEntries}) and commits it everywhere ({@code commitTo}, which tells each node's listeners),
 * and {@code forward} hands the bytes to the leader's {@link WriteGateway}. It does not replicate in the
 * background and knows no failures but the ones a test arms: {@link #failCommits}, {@link #holdCommits}.
 */
public final class FakeCluster {
    private final Map<String, Node> nodes = new LinkedHashMap<>();
    private final List<Runnable> held = new ArrayList<>();
    private volatile String leader;
    /** Every commit fails with this, when set. */
    public volatile ConsensusException failCommits;
    /** Commits wait for {@link #release()} instead of committing at once. */
    public volatile boolean holdCommits;

    /** Adds a node with its own log; the first node added leads. */
    public Node node(String name, MemoryLog log) {
        Node n = new Node(name, log);
        nodes.put(name, n);
        if (leader == null) {
            leader = name;
        }
        return n;
    }

    /**
     * Makes {@code name} the leader ({@code null}: no leader), as a takeover would: a new leader first commits a
     * no-op entry (no request id, no changes) on every node.
     */
    public synchronized void lead(String name) throws IOException {
        leader = name;
        if (name != null) {
            replicate("", List.of());
        }
    }

    /** Commits every held commit now, in order. */
    public void release() {
        List<Runnable> due;
        synchronized (held) {
            due = List.copyOf(held);
            held.clear();
        }
        due.forEach(Runnable::run);
    }

    /** How many commits wait for {@link #release()}. */
    public int heldCommits() {
        synchronized (held) {
            return held.size();
        }
    }

    private synchronized LogEntry replicate(String requestId, List<Change> changes) throws IOException {
        Node l = nodes.get(leader);
        LogEntry e = l.log.append(1, requestId, changes);
        for (Node n : nodes.values()) {
            if (n != l) {
                n.log.appendEntries(List.of(e));
            }
        }
        l.log.commitTo(e.index());
        for (Node n : nodes.values()) {
            if (n != l) {
                n.log.commitTo(e.index());
            }
        }
        return e;
    }

    /** One node's view of the fake cluster. */
    public final class Node implements Consensus {
        private final String name;
        private final MemoryLog log;
        private volatile WriteGateway gateway;

        Node(String name, MemoryLog log) {
            this.name = name;
            this.log = log;
        }

        /** The node's core, as the cluster bundle would find its WriteGateway service. */
        public void gateway(WriteGateway g) {
            this.gateway = g;
        }

        @Override
        public ClusterStatus status() {
            return new ClusterStatus("test", name, "default", Role.VOTER, leader, 1, log.commitIndex(), false, "",
                    List.of());
        }

        @Override
        public CompletableFuture<LogEntry> commit(String requestId, List<Change> changes, Duration timeout) {
            if (!name.equals(leader)) {
                return CompletableFuture.failedFuture(new ConsensusException(ConsensusException.Reason.NOT_LEADER,
                        name + " does not lead", leader));
            }
            ConsensusException failure = failCommits;
            if (failure != null) {
                return CompletableFuture.failedFuture(failure);
            }
            CompletableFuture<LogEntry> f = new CompletableFuture<>();
            Runnable commit = () -> {
                try {
                    f.complete(replicate(requestId, changes));
                } catch (IOException | RuntimeException e) {
                    f.completeExceptionally(new ConsensusException(ConsensusException.Reason.STORAGE, e.getMessage(), e));
                }
            };
            if (holdCommits) {
                synchronized (held) {
                    held.add(commit);
                }
            } else {
                commit.run();
            }
            return f;
        }

        @Override
        public CompletableFuture<byte[]> forward(String group, byte[] request, Duration timeout) {
            if (group != null && !group.equals("default")) {
                return CompletableFuture.failedFuture(new ConsensusException(ConsensusException.Reason.UNKNOWN_GROUP,
                        "no group '" + group + "'", (String) null));
            }
            WriteGateway g = nodes.get(leader).gateway;
            if (g == null) {
                return CompletableFuture.failedFuture(new ConsensusException(ConsensusException.Reason.NO_LEADER,
                        "the leader has no core", (String) null));
            }
            return g.handle(request, timeout);
        }
    }
}
