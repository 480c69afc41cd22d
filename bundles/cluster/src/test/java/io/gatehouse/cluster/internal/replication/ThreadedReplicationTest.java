package io.gatehouse.cluster.internal.replication;

import static org.awaitility.Awaitility.await;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.gatehouse.api.log.Change;
import io.gatehouse.api.log.LogEntry;
import io.gatehouse.api.log.Operation;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.After;
import org.junit.Test;

/** The core on real threads ({@link ExecutorScheduler}, an executor-based transport): no virtual time. */
public class ThreadedReplicationTest {
    private final ExecutorService network = Executors.newFixedThreadPool(4);
    private final Map<String, Map<String, Transport.Handler>> handlers = new ConcurrentHashMap<>();
    private final List<ExecutorScheduler> schedulers = new ArrayList<>();
    private final Map<String, Replica> replicas = new LinkedHashMap<>();
    private final Map<String, MemoryOperationLog> logs = new LinkedHashMap<>();

    /** A thread-safe linearizable register (the CP subsystem). */
    private static final class LockedRegister implements CommitRegister {
        private Optional<CommitPoint> value = Optional.empty();

        @Override
        public synchronized CompletableFuture<Optional<CommitPoint>> get(Duration timeout) {
            return CompletableFuture.completedFuture(value);
        }

        @Override
        public synchronized CompletableFuture<Boolean> compareAndSet(Optional<CommitPoint> expected,
                                                                     CommitPoint update, Duration timeout) {
            boolean ok = value.equals(expected);
            if (ok) {
                value = Optional.of(update);
            }
            return CompletableFuture.completedFuture(ok);
        }
    }

    private Transport transport(String self) {
        Map<String, Transport.Handler> own = handlers.computeIfAbsent(self, s -> new ConcurrentHashMap<>());
        return new Transport() {
            @Override
            public CompletableFuture<byte[]> request(String member, String type, byte[] payload, Duration timeout) {
                return CompletableFuture.supplyAsync(() -> handlers.getOrDefault(member, Map.of()).get(type), network)
                        .thenCompose(h -> h == null ? new CompletableFuture<byte[]>() : h.handle(self, payload))
                        .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
            }

            @Override
            public void register(String type, Handler handler) {
                own.put(type, handler);
            }

            @Override
            public void unregister(String type) {
                own.remove(type);
            }
        };
    }

    @After
    public void stop() {
        replicas.values().forEach(r -> r.stop().orTimeout(5, TimeUnit.SECONDS).join());
        schedulers.forEach(ExecutorScheduler::close);
        network.shutdownNow();
    }

    @Test
    public void threeVotersAndAnObserverCommitOnRealThreads() throws Exception {
        List<String> voters = List.of("a", "b", "c");
        CommitRegister register = new LockedRegister();
        for (String name : List.of("a", "b", "c", "o")) {
            ExecutorScheduler s = new ExecutorScheduler("replication-" + name);
            schedulers.add(s);
            MemoryOperationLog log = new MemoryOperationLog(name, Clock.systemUTC()::instant);
            logs.put(name, log);
            Replica r = new Replica(ReplicationConfig.of(name, voters), log, transport(name), register, s,
                    log::commitIndex, null);
            replicas.put(name, r);
            r.start();
            r.observers(Set.of("o"));
        }
        replicas.get("b").lead(1);
        await().atMost(Duration.ofSeconds(10)).until(() -> replicas.get("b").status().ready());
        List<CompletableFuture<LogEntry>> writes = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            writes.add(replicas.get("b").commit("r" + i, List.of(new Change(Operation.DELETE, "route", "x" + i, null)),
                    Duration.ofSeconds(10)));
        }
        for (int i = 0; i < writes.size(); i++) {
            assertEquals("r" + i, writes.get(i).get(10, TimeUnit.SECONDS).requestId());
        }
        long last = logs.get("b").lastIndex();
        assertEquals(31, last);
        await().atMost(Duration.ofSeconds(10)).until(() -> logs.values().stream()
                .allMatch(l -> l.commitIndex() == last));
        for (MemoryOperationLog l : logs.values()) {
            assertEquals(logs.get("b").entries(), l.entries());
        }
        assertTrue(replicas.get("b").status().peers().get("o").appliedIndex() >= 0);
    }
}
