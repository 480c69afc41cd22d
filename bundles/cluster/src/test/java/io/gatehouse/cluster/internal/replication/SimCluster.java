package io.gatehouse.cluster.internal.replication;

import io.gatehouse.api.log.Change;
import io.gatehouse.api.log.LogEntry;
import io.gatehouse.api.log.Operation;
import io.gatehouse.api.log.Snapshot;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;

/**
 * A group of {@link Replica}s on a {@link SimNetwork}, a {@link SimRegister} and one {@link SimClock}: fully
 * deterministic for a seed. Members can crash (the log keeps what it made durable, everything else is
 * lost), restart, pause and resume. Every commit on every node is checked against the first entry committed
 * at that index anywhere ({@link #violations}).
 */
final class SimCluster {
    final SimClock clock = new SimClock();
    final Random random;
    final SimNetwork net;
    final SimRegister register;
    final List<String> voters;
    final List<String> observers;
    final Map<String, Node> nodes = new LinkedHashMap<>();
    final Map<Long, LogEntry> history = new HashMap<>();
    final List<String> violations = new ArrayList<>();
    private final UnaryOperator<ReplicationConfig> tune;

    static final class Node {
        final String name;
        final MemoryOperationLog log;
        final SimScheduler scheduler;
        Replica replica;
        boolean crashed;
        int readyCount;

        Node(String name, MemoryOperationLog log, SimScheduler scheduler) {
            this.name = name;
            this.log = log;
            this.scheduler = scheduler;
        }
    }

    SimCluster(long seed, List<String> voters, List<String> observers, UnaryOperator<ReplicationConfig> tune) {
        this.random = new Random(seed);
        this.net = new SimNetwork(clock, random);
        this.register = new SimRegister(clock, random);
        this.voters = List.copyOf(voters);
        this.observers = List.copyOf(observers);
        this.tune = tune;
        List<String> all = new ArrayList<>(voters);
        all.addAll(observers);
        for (String name : all) {
            MemoryOperationLog log = new MemoryOperationLog(name, clock::instant);
            log.observer(this::committed);
            nodes.put(name, new Node(name, log, new SimScheduler(clock)));
        }
    }

    SimCluster(long seed, List<String> voters, List<String> observers) {
        this(seed, voters, observers, UnaryOperator.identity());
    }

    static ReplicationConfig fast(ReplicationConfig c) {
        return c.withTimings(Duration.ofMillis(200), Duration.ofMillis(300), Duration.ofMillis(300),
                Duration.ofMillis(1000), Duration.ofMillis(1000));
    }

    SimCluster start() {
        for (Node n : nodes.values()) {
            boot(n);
        }
        return this;
    }

    private void boot(Node n) {
        ReplicationConfig config = tune.apply(fast(ReplicationConfig.of(n.name, voters)));
        n.replica = new Replica(config, n.log, net.transport(n.name), register, n.scheduler, n.log::commitIndex,
                new ReplicationListener() {
                    @Override
                    public void leaderReady(long epoch) {
                        n.readyCount++;
                    }
                });
        n.replica.start();
        n.replica.observers(Set.copyOf(observers));
    }

    Node node(String name) {
        return nodes.get(name);
    }

    Replica replica(String name) {
        return nodes.get(name).replica;
    }

    MemoryOperationLog log(String name) {
        return nodes.get(name).log;
    }

    void crash(String name) {
        Node n = nodes.get(name);
        net.crash(name);
        n.scheduler.crash();
        n.crashed = true;
        n.replica = null;
    }

    void restart(String name) {
        Node n = nodes.get(name);
        n.crashed = false;
        boot(n);
    }

    long highestEpoch() {
        long h = 0;
        for (Node n : nodes.values()) {
            h = Math.max(h, n.log.highestEpoch());
        }
        return h;
    }

    /** Gives {@code name} the lease with {@code epoch} and tells every other live node. */
    void elect(String name, long epoch) {
        for (Node n : nodes.values()) {
            if (n.crashed) {
                continue;
            }
            if (n.name.equals(name)) {
                n.replica.lead(epoch);
            } else {
                n.replica.leaderIs(name, epoch);
            }
        }
    }

    CompletableFuture<LogEntry> write(String on, String requestId) {
        Change c = new Change(Operation.PUT, "route", requestId, ("{\"id\":\"" + requestId + "\"}")
                .getBytes(StandardCharsets.UTF_8));
        return replica(on).commit(requestId, List.of(c), Duration.ofSeconds(2));
    }

    boolean runUntil(BooleanSupplier done, Duration max) {
        return clock.runUntil(done, max);
    }

    boolean ready(String name) {
        Node n = nodes.get(name);
        return !n.crashed && n.replica.status().ready();
    }

    /** True when every live node has committed everything in {@code leader}'s log. */
    boolean converged(String leader) {
        long last = log(leader).lastIndex();
        if (log(leader).commitIndex() != last) {
            return false;
        }
        for (Node n : nodes.values()) {
            if (!n.crashed && n.log.commitIndex() != last) {
                return false;
            }
        }
        return true;
    }

    private void committed(MemoryOperationLog log, List<LogEntry> entries) {
        for (LogEntry e : entries) {
            LogEntry first = history.putIfAbsent(e.index(), e);
            if (first != null && (first.epoch() != e.epoch() || first.checksum() != e.checksum())) {
                violations.add(log.name() + " committed " + e + " at " + clock.now() / 1_000_000 + " ms but "
                        + first + " was committed at that index before");
            }
        }
    }

    // ---- snapshots carrying the history, so that compacted nodes can still be checked

    /** Takes a snapshot of {@code name}'s committed log and compacts all but the last {@code keep} entries. */
    void snapshot(String name, int keep) throws IOException {
        MemoryOperationLog log = log(name);
        long commit = log.commitIndex();
        if (commit == 0) {
            return;
        }
        List<long[]> h = fullHistory(log).subList(0, (int) commit);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            for (long[] e : h) {
                out.writeLong(e[0]);
                out.writeLong(e[1]);
                out.writeLong(e[2]);
            }
        }
        log.saveSnapshot(Snapshot.of(commit, h.get(h.size() - 1)[1], clock.instant(), bytes.toByteArray()));
        log.compactUpTo(Math.max(0, commit - keep));
    }

    /** {index, epoch, checksum} of every entry the node holds, from its snapshot then its log. */
    static List<long[]> fullHistory(MemoryOperationLog log) {
        List<long[]> h = new ArrayList<>();
        log.latestSnapshot().ifPresent(s -> {
            try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(s.state()))) {
                while (in.available() > 0) {
                    h.add(new long[] {in.readLong(), in.readLong(), in.readLong()});
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        for (LogEntry e : log.entries()) {
            if (e.index() == h.size() + 1) {
                h.add(new long[] {e.index(), e.epoch(), e.checksum()});
            }
        }
        return h;
    }
}
