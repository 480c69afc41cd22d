import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The measuring half of {@code bench/cluster.sh}: runs one phase against a local cluster that
 * {@code ./gatehouse cluster start} started (the script starts and stops the clusters; this program kills
 * and restarts single nodes through the launcher). JDK 17 only: java.net.http, a small JSON reader.
 *
 * <pre>
 * java ClusterBench PHASE --launcher ./gatehouse --cluster DIR --ports 10601,10602,10603 --voters 3 [options]
 *   PHASE: failover | detection | propagation | throughput
 * </pre>
 *
 * Every node is checked to be the process the launcher started before it is measured (health's
 * {@code node.launchId} and {@code node.pid} against the node folder's {@code launch.id} and
 * {@code karaf.pid}); a kill -9 goes to that pid only after its command line names the node's folder.
 * Prints a human-readable block and {@code RESULT key=value ...} lines that the script gathers into its
 * SUMMARY. Every wait has a deadline; a phase that cannot go on throws and exits 1 (the script stops the
 * cluster and keeps the logs).
 */
public final class ClusterBench {
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);
    private static final long READY_DEADLINE_MS = 240_000;

    private final Path launcher;
    private final Path clusterDir;
    private final List<Node> nodes = new ArrayList<>();
    private final int voters;
    private final Map<String, String> opts;
    private final HttpClient http = client();
    private final List<String> results = new ArrayList<>();
    /** Objects this run wrote and had acknowledged: name -> revision (checked on every node at the end). */
    private final Map<String, Long> acknowledged = Collections.synchronizedMap(new LinkedHashMap<>());
    /** Voters restarted by this run whose return to the CP groups is still to be seen: node -> log offset. */
    private final Map<Node, Long> cpPending = new HashMap<>();
    private int syncWrites;
    /** Whether the group was ready once (before that, a failure measured nothing). */
    private boolean everReady;

    /** A node; {@code token} is the cluster's admin token (admin.token in the cluster folder), sent as a bearer token. */
    record Node(int index, String name, int port, Path dir, String token) {
        URI uri(String path) {
            return URI.create("http://127.0.0.1:" + port + "/api/v1" + path);
        }

        Path log() {
            return dir.resolve("data/log/karaf.log");
        }

        @Override
        public String toString() {
            return name;
        }
    }

    record Reply(int status, String body, long sentNanos, long receivedNanos) {
        Map<String, Object> json() {
            return Json.obj(Json.parse(body));
        }
    }

    private ClusterBench(Map<String, String> opts) {
        this.opts = opts;
        this.launcher = Path.of(required("launcher"));
        this.clusterDir = Path.of(required("cluster"));
        this.voters = Integer.parseInt(required("voters"));
        String[] ports = required("ports").split(",");
        String token;
        try {
            token = Files.readString(clusterDir.resolve("admin.token")).trim();
        } catch (IOException e) {
            throw new UncheckedIOException("no admin token in " + clusterDir + " (./gatehouse cluster start writes it)", e);
        }
        for (int i = 0; i < ports.length; i++) {
            String name = "node" + (i + 1);
            nodes.add(new Node(i + 1, name, Integer.parseInt(ports[i].trim()), clusterDir.resolve(name), token));
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: ClusterBench failover|pause|detection|propagation|throughput --launcher F --cluster D"
                    + " --ports P1,P2,... --voters V [--trials N] [--writes N] [--writers N] [--duration S] ...");
            System.exit(2);
        }
        Map<String, String> opts = new HashMap<>();
        for (int i = 1; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --name value at " + args[i]);
            }
            opts.put(args[i].substring(2), args[++i]);
        }
        ClusterBench bench = new ClusterBench(opts);
        try {
            switch (args[0]) {
                case "failover" -> bench.failover(false);
                case "pause" -> bench.failover(true);
                case "detection" -> bench.detection();
                case "propagation" -> bench.propagation();
                case "throughput" -> bench.throughput();
                default -> throw new IllegalArgumentException("unknown phase " + args[0]);
            }
            bench.checkNoWriteLost();
        } catch (Exception e) {
            System.out.println("  FAILED: " + (e instanceof BenchFailure ? e.getMessage() : e.toString()));
            bench.printResults();
            // 3: the group was never ready, nothing was measured (the script may run the phase on a fresh cluster)
            System.exit(bench.everReady ? 1 : 3);
        }
        bench.printResults();
        System.exit(0);
    }

    // ---------------------------------------------------------------- 1. failover

    /**
     * Failover after kill -9 of the leader, or ({@code paused}) after SIGSTOP of the leader for {@code --pause}
     * ms (default 8000: past deadAfter and the lease, so its Hazelcast member is removed), then SIGCONT: the old
     * leader merges back, replaces its member and returns to the CP groups before the next trial.
     */
    private void failover(boolean paused) throws Exception {
        int trials = intOpt("trials", 10);
        long pauseMs = longOpt("pause", 8000);
        String key = paused ? "pause" : "failover";
        List<Long> named = new ArrayList<>();
        List<Long> written = new ArrayList<>();
        List<Long> pollRtt = Collections.synchronizedList(new ArrayList<>());
        System.out.printf("  %d voters; per trial: %s the leader; (a) a survivor's GET /api/v1/cluster names"
                + " another leader, (b) a PUT with an Idempotency-Key and ?timeout=3s to a survivor (retried on 503/504/refused) is"
                + " acknowledged; then %s and the group waits until it is back%n", voters,
                paused ? "SIGSTOP" : "kill -9", paused ? "SIGCONT after " + pauseMs + " ms" : "the killed node is restarted");
        BenchFailure failure = null;
        int t = 1;
        try {
            for (; t <= trials; t++) {
                failoverTrial(t, paused, pauseMs, named, written, pollRtt);
            }
            awaitReady();
        } catch (Exception e) {
            failure = e instanceof BenchFailure b ? b : new BenchFailure(e.toString());
        }
        System.out.printf("  polling: each survivor's /api/v1/cluster back to back with a 5 ms pause; one round"
                + " trip p50 %.1f ms, p99 %.1f ms%n", pct(pollRtt, 50) / 1e6, pct(pollRtt, 99) / 1e6);
        line("new leader named", named, 2000);
        line("write acknowledged", written, 2000);
        result(key + "_trials", named.size());
        result(key + "_leader_p50_ms", pct(named, 50));
        result(key + "_leader_max_ms", max(named));
        result(key + "_write_p50_ms", pct(written, 50));
        result(key + "_write_max_ms", max(written));
        if (failure != null) {
            throw new BenchFailure(key + " trial " + t + ": " + failure.getMessage());
        }
    }

    private void failoverTrial(int t, boolean paused, long pauseMs, List<Long> named, List<Long> written,
            List<Long> pollRtt) throws Exception {
        Node leader = awaitReady();
        long epoch = Json.num(view(leader).json(), "epoch", -1);
        List<Node> survivors = nodes.stream().filter(n -> n != leader).toList();
        Node writeTo = survivors.get(t % survivors.size());
        String name = "bench-" + (paused ? "pause-" : "failover-") + t + "-" + System.currentTimeMillis();
        AtomicLong newLeaderAt = new AtomicLong(-1);
        AtomicReference<String> newLeader = new AtomicReference<>();
        AtomicReference<String> writeOutcome = new AtomicReference<>("not acknowledged");
        ExecutorService pool = Executors.newFixedThreadPool(survivors.size() + 1);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        long offset = Files.exists(leader.log()) ? Files.size(leader.log()) : 0;
        long killedAt = paused ? signal(leader, "STOP") : kill(leader);
        Long writeMs;
        try {
            for (Node s : survivors) {
                pool.submit(() -> {
                    pollNewLeader(s, leader, killedAt, deadline, newLeaderAt, newLeader, pollRtt);
                    return null;
                });
            }
            Future<Long> write = pool.submit(() -> writeUntilAcknowledged(writeTo, name, killedAt, deadline, writeOutcome));
            writeMs = write.get();
            pool.shutdown();
            if (!pool.awaitTermination(70, TimeUnit.SECONDS)) {
                pool.shutdownNow();
            }
        } finally {
            if (paused) {
                long left = killedAt + TimeUnit.MILLISECONDS.toNanos(pauseMs) - System.nanoTime();
                if (left > 0) {
                    pause(TimeUnit.NANOSECONDS.toMillis(left));
                }
                signal(leader, "CONT");
            }
        }
        if (newLeaderAt.get() < 0 || writeMs == null) {
            throw new BenchFailure("trial " + t + ": after " + (paused ? "SIGSTOP" : "kill -9") + " of " + leader
                    + " no new leader named (" + newLeader.get() + ") or no write acknowledged (" + writeOutcome.get()
                    + ") within 60 s");
        }
        long namedMs = newLeaderAt.get();
        named.add(namedMs);
        written.add(writeMs);
        System.out.printf("  trial %2d: %s %s (leader, epoch %d) -> %s named leader after %5d ms;"
                + " write via %s acknowledged after %5d ms (%s)%n", t, paused ? "SIGSTOP" : "kill -9", leader, epoch,
                newLeader.get(), namedMs, writeTo, writeMs, writeOutcome.get());
        if (paused) {
            // its member was removed while it was stopped: it merges back, replaces its member, is promoted again
            cpPending.put(leader, offset);
        } else {
            restart(leader);
        }
    }

    private void pollNewLeader(Node node, Node old, long since, long deadline, AtomicLong at,
            AtomicReference<String> who, List<Long> rtt) throws InterruptedException {
        HttpClient own = client();
        while (at.get() < 0 && System.nanoTime() < deadline) {
            try {
                Reply r = get(own, node, "/cluster", Duration.ofSeconds(2));
                rtt.add(r.receivedNanos - r.sentNanos);
                if (r.status == 200) {
                    Object leader = r.json().get("leader");
                    if (leader instanceof String l && !l.equals(old.name) && at.compareAndSet(-1, ms(since, r.receivedNanos))) {
                        who.set(l + " (seen by " + node + ")");
                    }
                }
            } catch (IOException e) {
                // the node is busy or restarting its view: try again
            }
            pause(5);
        }
    }

    /** PUTs one Pipeline with one Idempotency-Key until a 2xx; returns ms since {@code since}, null at the deadline. */
    private Long writeUntilAcknowledged(Node node, String name, long since, long deadline, AtomicReference<String> outcome)
            throws InterruptedException {
        HttpClient own = client();
        Map<String, Integer> seen = new TreeMap<>();
        int attempts = 0;
        while (System.nanoTime() < deadline) {
            attempts++;
            String status;
            try {
                Reply r = put(own, node, name, name, "3s", Duration.ofSeconds(6));
                if (r.status / 100 == 2) {
                    acknowledged.put(name, Json.num(r.json(), "revision", -1));
                    outcome.set(attempts + " attempts" + (seen.isEmpty() ? "" : ", before: " + seen));
                    return ms(since, r.receivedNanos);
                }
                status = String.valueOf(r.status);
            } catch (ConnectException e) {
                status = "refused";
            } catch (IOException e) {
                status = e.getClass().getSimpleName();
            }
            seen.merge(status, 1, Integer::sum);
            outcome.set(attempts + " attempts: " + seen);
            pause(20);
        }
        return null;
    }

    // ---------------------------------------------------------------- 3. crash detection

    private void detection() throws Exception {
        int trials = intOpt("trials", 5);
        List<Long> suspect = new ArrayList<>();
        List<Long> dead = new ArrayList<>();
        List<Long> pollRtt = Collections.synchronizedList(new ArrayList<>());
        int leaderChanged = 0;
        int leaderUnnamed = 0;
        System.out.printf("  per trial: kill -9 a follower voter; the earliest time another node's GET"
                + " /api/v1/cluster shows it 'suspect' and 'dead'; watched 4 s more for a change of leader%n");
        BenchFailure failure = null;
        try {
            for (int t = 1; t <= trials; t++) {
                Node leader = awaitReady();
                List<Node> followers = nodes.stream().filter(n -> n != leader && n.index <= voters).toList();
                Node victim = followers.get(t % followers.size());
                List<Node> watchers = nodes.stream().filter(n -> n != victim).toList();
                long epochBefore = Json.num(view(leader).json(), "epoch", -1);
                AtomicLong suspectAt = new AtomicLong(-1);
                AtomicLong deadAt = new AtomicLong(-1);
                AtomicReference<String> otherLeader = new AtomicReference<>();
                AtomicReference<String> unnamed = new AtomicReference<>();
                ExecutorService pool = Executors.newFixedThreadPool(watchers.size());
                long killedAt = kill(victim);
                long deadline = killedAt + TimeUnit.SECONDS.toNanos(30);
                List<Future<?>> done = new ArrayList<>();
                for (Node w : watchers) {
                    done.add(pool.submit(() -> {
                        HttpClient own = client();
                        long until = deadline;
                        while (System.nanoTime() < until) {
                            try {
                                Reply r = get(own, w, "/cluster", Duration.ofSeconds(2));
                                pollRtt.add(r.receivedNanos - r.sentNanos);
                                if (r.status == 200) {
                                    Map<String, Object> view = r.json();
                                    Object l = view.get("leader");
                                    long epochNow = Json.num(view, "epoch", -1);
                                    String seen = " (seen by " + w + " after " + ms(killedAt, r.receivedNanos) + " ms)";
                                    if (epochNow > epochBefore || (l != null && !leader.name.equals(l))) {
                                        otherLeader.compareAndSet(null, l + ", epoch " + epochNow + seen);
                                    } else if (l == null) {
                                        unnamed.compareAndSet(null, "no leader named, epoch " + epochNow + seen);
                                    }
                                    String state = memberState(view, victim.name);
                                    if ("suspect".equals(state)) {
                                        suspectAt.compareAndSet(-1, ms(killedAt, r.receivedNanos));
                                    } else if ("dead".equals(state) && deadAt.compareAndSet(-1, ms(killedAt, r.receivedNanos))) {
                                        until = Math.min(until, r.receivedNanos + TimeUnit.SECONDS.toNanos(4));
                                    } else if ("dead".equals(state)) {
                                        until = Math.min(until, System.nanoTime() + TimeUnit.SECONDS.toNanos(4));
                                    }
                                }
                            } catch (IOException e) {
                                // a busy node: poll again
                            }
                            pause(5);
                        }
                        return null;
                    }));
                }
                for (Future<?> f : done) {
                    f.get(40, TimeUnit.SECONDS);
                }
                pool.shutdown();
                if (deadAt.get() < 0) {
                    throw new BenchFailure("trial " + t + ": " + victim + " killed, not shown dead within 30 s");
                }
                dead.add(deadAt.get());
                if (suspectAt.get() >= 0 && suspectAt.get() <= deadAt.get()) {
                    suspect.add(suspectAt.get());
                }
                if (otherLeader.get() != null) {
                    leaderChanged++;
                } else if (unnamed.get() != null) {
                    leaderUnnamed++;
                }
                System.out.printf("  trial %d: kill -9 %s (follower; leader %s, epoch %d) -> suspect %s, dead after %d ms%s%n", t,
                        victim, leader, epochBefore, suspectAt.get() >= 0 && suspectAt.get() <= deadAt.get() ? "after " + suspectAt.get() + " ms"
                                : "not seen first", deadAt.get(),
                        otherLeader.get() != null ? "; leadership changed: " + otherLeader.get()
                                : unnamed.get() != null ? "; leader unchanged, but for a moment " + unnamed.get()
                                : "; leader unchanged");
                restart(victim);
            }
            awaitReady();
        } catch (Exception e) {
            failure = e instanceof BenchFailure b ? b : new BenchFailure(e.toString());
        }
        System.out.printf("  polling: every other node's /api/v1/cluster back to back with a 5 ms pause; one round"
                + " trip p50 %.1f ms, p99 %.1f ms%n", pct(pollRtt, 50) / 1e6, pct(pollRtt, 99) / 1e6);
        line("shown dead", dead, 3000);
        if (!suspect.isEmpty()) {
            line("shown suspect first (" + suspect.size() + " of " + dead.size() + ")", suspect, -1);
        } else {
            System.out.println("  suspect was never seen before dead");
        }
        System.out.printf("  within 4 s of the death, the leadership changed (another leader or a new epoch) in %d of %d"
                + " trials, and the leader was not named for a moment (same epoch) in %d more: a follower crash can"
                + " move it when that follower led a CP group (the lease's renewals wait for a new Raft leader), and"
                + " a loaded machine moves it too (lease renewals missing the 800 ms step-down)%n", leaderChanged,
                dead.size(), leaderUnnamed);
        result("detect_trials", dead.size());
        result("detect_dead_p50_ms", pct(dead, 50));
        result("detect_dead_max_ms", max(dead));
        result("detect_suspect_seen", suspect.size());
        result("detect_suspect_p50_ms", suspect.isEmpty() ? -1 : pct(suspect, 50));
        result("detect_leader_changed", leaderChanged);
        result("detect_leader_unnamed", leaderUnnamed);
        if (failure != null) {
            throw failure;
        }
    }

    private static String memberState(Map<String, Object> view, String name) {
        Object members = view.get("members");
        if (members instanceof List<?> list) {
            for (Object m : list) {
                Map<String, Object> member = Json.obj(m);
                if (name.equals(member.get("name"))) {
                    return (String) member.get("state");
                }
            }
        }
        return null;
    }

    // ---------------------------------------------------------------- 2. propagation

    private void propagation() throws Exception {
        int writes = intOpt("writes", 500);
        int warmup = intOpt("warmup-writes", 20);
        Node leader = awaitReady();
        int n = nodes.size();
        System.out.printf("  %d nodes (%d voters, %d observers); %d writes (after %d not counted) sent one at a time"
                + " to the leader %s; per write: from its acknowledgement to appliedIndex >= its revision on all %d"
                + " nodes%n", n, voters, n - voters, writes, warmup, leader, n);
        List<Long> lag = new ArrayList<>();
        Map<Node, List<Long>> perNode = new LinkedHashMap<>();
        Map<Node, List<Long>> perNodeCommit = new LinkedHashMap<>();
        List<Long> rtt = Collections.synchronizedList(new ArrayList<>());
        List<Long> writeLatency = new ArrayList<>();
        for (Node node : nodes) {
            perNode.put(node, new ArrayList<>());
            perNodeCommit.put(node, new ArrayList<>());
        }
        ExecutorService pool = Executors.newFixedThreadPool(n);
        List<HttpClient> clients = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            clients.add(client());
        }
        HttpClient writer = client();
        long epochBefore = Json.num(view(leader).json(), "epoch", -1);
        int retried = 0;
        for (int k = -warmup; k < writes; k++) {
            String name = "bench-prop-" + (k < 0 ? "w" + (-k) : String.valueOf(k)) + "-" + System.nanoTime();
            long sent = System.nanoTime();
            Reply r = put(writer, leader, name, name, "10s", Duration.ofSeconds(15));
            for (int attempt = 1; r.status / 100 != 2; attempt++) {
                if (attempt > 5) {
                    throw new BenchFailure("write " + k + " to " + leader + ": " + r.status + " " + r.body);
                }
                System.out.printf("  write %d to %s: %d %s; waiting for a leader, then the same write again%n", k,
                        leader, r.status, r.body.length() > 160 ? r.body.substring(0, 160) : r.body);
                retried++;
                leader = awaitReady();
                sent = System.nanoTime();
                r = put(writer, leader, name, name, "10s", Duration.ofSeconds(15));
            }
            long ack = r.receivedNanos;
            long revision = Json.num(r.json(), "revision", -1);
            acknowledged.put(name, revision);
            long until = ack + TimeUnit.SECONDS.toNanos(10);
            List<Future<long[]>> seen = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Node node = nodes.get(i);
                HttpClient own = clients.get(i);
                seen.add(pool.submit(() -> {
                    long committedAt = -1;
                    while (System.nanoTime() < until) {
                        try {
                            Reply h = get(own, node, "/health", Duration.ofSeconds(2));
                            rtt.add(h.receivedNanos - h.sentNanos);
                            if (h.status == 200) {
                                Map<String, Object> health = h.json();
                                if (committedAt < 0 && Json.num(health, "commitIndex", -1) >= revision) {
                                    committedAt = h.receivedNanos - ack;
                                }
                                if (Json.num(health, "appliedIndex", -1) >= revision) {
                                    return new long[] {h.receivedNanos - ack, committedAt};
                                }
                            }
                        } catch (IOException e) {
                            // poll again until the deadline
                        }
                    }
                    return new long[] {-1L, committedAt};
                }));
            }
            long worst = 0;
            for (int i = 0; i < n; i++) {
                long[] times = seen.get(i).get(15, TimeUnit.SECONDS);
                long d = times[0];
                if (d < 0) {
                    throw new BenchFailure("write " + k + " (revision " + revision + "): " + nodes.get(i)
                            + " did not apply it within 10 s");
                }
                if (k >= 0) {
                    perNode.get(nodes.get(i)).add(d);
                    perNodeCommit.get(nodes.get(i)).add(times[1] < 0 ? d : times[1]);
                }
                worst = Math.max(worst, d);
            }
            if (k >= 0) {
                lag.add(worst);
                writeLatency.add(ack - sent);
            }
        }
        pool.shutdown();
        System.out.printf("  leadership: epoch %d before, %d after; %d writes sent again after a failure%n", epochBefore,
                Json.num(view(leader).json(), "epoch", -1), retried);
        System.out.printf("  polling resolution: each node's /api/v1/health polled back to back by its own thread"
                + " from the acknowledgement on; one round trip p50 %.2f ms, p99 %.2f ms, max %.1f ms (a node is"
                + " counted when the answer that shows the index arrives: an upper bound)%n", pct(rtt, 50) / 1e6,
                pct(rtt, 99) / 1e6, max(rtt) / 1e6);
        System.out.printf("  write latency (to the leader, acknowledged): p50 %.1f ms, p99 %.1f ms%n",
                pct(writeLatency, 50) / 1e6, pct(writeLatency, 99) / 1e6);
        // a write sent to another node is answered once that node has applied it too (read-your-writes)
        int viaCount = intOpt("via-writes", 10);
        for (Node via : nodes) {
            if (via == leader || viaCount == 0) {
                continue;
            }
            List<Long> viaLatency = new ArrayList<>();
            for (int k = 0; k < viaCount; k++) {
                String name = "bench-via-" + via + "-" + k + "-" + System.nanoTime();
                Reply r = put(writer, via, name, name, "10s", Duration.ofSeconds(15));
                if (r.status / 100 == 2) {
                    acknowledged.put(name, Json.num(r.json(), "revision", -1));
                    viaLatency.add(r.receivedNanos - r.sentNanos);
                }
            }
            System.out.printf("  write latency through %s (%s, forwards to the leader, answers once applied"
                    + " itself): p50 %.1f ms, p99 %.1f ms (%d writes)%n", via, via.index <= voters ? "voter" : "observer",
                    pct(viaLatency, 50) / 1e6, pct(viaLatency, 99) / 1e6, viaLatency.size());
            result("prop_via_" + via + "_p50_ms", String.format(Locale.ROOT, "%.1f", pct(viaLatency, 50) / 1e6));
        }
        System.out.println("  per node, from the acknowledgement: commitIndex >= revision (the node knows it is committed)"
                + " | appliedIndex >= revision (it serves it)");
        for (Map.Entry<Node, List<Long>> e : perNode.entrySet()) {
            Node node = e.getKey();
            List<Long> c = perNodeCommit.get(node);
            String role = node == leader ? "leader" : node.index <= voters ? "voter" : "observer";
            System.out.printf("    %-6s %-8s committed p50 %6.1f p99 %6.1f ms | applied p50 %6.1f p99 %6.1f max %6.1f ms%n",
                    node, role, pct(c, 50) / 1e6, pct(c, 99) / 1e6, pct(e.getValue(), 50) / 1e6,
                    pct(e.getValue(), 99) / 1e6, max(e.getValue()) / 1e6);
        }
        List<Long> lagMs = lag.stream().map(v -> v / 1000).toList();
        System.out.printf("  on all %d nodes: p50 %.2f ms, p99 %.2f ms, max %.2f ms   target p99 <= 50 ms: %s%n", n,
                pct(lagMs, 50) / 1e3, pct(lagMs, 99) / 1e3, max(lagMs) / 1e3, pct(lagMs, 99) <= 50_000 ? "met" : "MISSED");
        result("prop_writes", writes);
        result("prop_p50_ms", String.format(Locale.ROOT, "%.2f", pct(lagMs, 50) / 1e3));
        result("prop_p99_ms", String.format(Locale.ROOT, "%.2f", pct(lagMs, 99) / 1e3));
        result("prop_max_ms", String.format(Locale.ROOT, "%.2f", max(lagMs) / 1e3));
        result("prop_poll_rtt_p50_ms", String.format(Locale.ROOT, "%.2f", pct(rtt, 50) / 1e6));
    }

    // ---------------------------------------------------------------- 4. throughput

    private void throughput() throws Exception {
        int writers = intOpt("writers", 8);
        int seconds = intOpt("duration", 20);
        int warmup = intOpt("warmup", 3);
        String label = opts.getOrDefault("label", "tput");
        Node leader = awaitReady();
        System.out.printf("  %d voters + %d observers; %d writers, each PUTs distinct Pipelines to the leader %s"
                + " one after another, %d s warm-up then %d s counted%n", voters, nodes.size() - voters, writers,
                leader, warmup, seconds);
        long epochBefore = Json.num(view(leader).json(), "epoch", -1);
        long start = System.nanoTime();
        long countFrom = start + TimeUnit.SECONDS.toNanos(warmup);
        long countTo = countFrom + TimeUnit.SECONDS.toNanos(seconds);
        AtomicLong ok = new AtomicLong();
        Map<String, Integer> errors = Collections.synchronizedMap(new TreeMap<>());
        List<Long> latency = Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        List<Future<?>> done = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            int id = w;
            done.add(pool.submit(() -> {
                HttpClient own = client();
                for (int seq = 0; System.nanoTime() < countTo; seq++) {
                    String name = label + "-" + id + "-" + seq + "-" + start;
                    long sent = System.nanoTime();
                    String status;
                    try {
                        Reply r = put(own, leader, name, name, "10s", Duration.ofSeconds(15));
                        if (r.status / 100 == 2) {
                            acknowledged.put(name, Json.num(r.json(), "revision", -1));
                            if (r.receivedNanos >= countFrom && r.receivedNanos <= countTo) {
                                ok.incrementAndGet();
                                latency.add(r.receivedNanos - sent);
                            }
                            continue;
                        }
                        status = String.valueOf(r.status);
                    } catch (IOException e) {
                        status = e.getClass().getSimpleName();
                    }
                    errors.merge(status, 1, Integer::sum);
                    pause(50);
                }
                return null;
            }));
        }
        for (Future<?> f : done) {
            f.get(seconds + warmup + 60L, TimeUnit.SECONDS);
        }
        pool.shutdown();
        double rate = ok.get() / (double) seconds;
        long epochAfter = Json.num(view(leader).json(), "epoch", -1);
        System.out.printf("  leadership: epoch %d before, %d after (leader %s)%n", epochBefore, epochAfter,
                view(leader).json().get("leader"));
        result(label + "_epoch_changes", epochAfter - epochBefore);
        System.out.printf("  %d writes acknowledged in %d s: %.1f writes/s; latency p50 %.1f ms, p99 %.1f ms;"
                + " errors %s%n", ok.get(), seconds, rate, pct(latency, 50) / 1e6, pct(latency, 99) / 1e6,
                errors.isEmpty() ? "none" : errors);
        result(label + "_wps", String.format(Locale.ROOT, "%.1f", rate));
        result(label + "_p50_ms", String.format(Locale.ROOT, "%.1f", pct(latency, 50) / 1e6));
        result(label + "_errors", errors.values().stream().mapToInt(Integer::intValue).sum());
    }

    // ---------------------------------------------------------------- group state

    /**
     * Waits (bounded) until every node runs as the process the launcher started, all name the same leader
     * and none is stale, every voter this run restarted is back in the CP groups, and a write through the
     * leader is applied on every node (so each has caught up to the leader's applied index). Then pauses
     * {@code --settle} ms (default 2000; cluster.md: a promoted CP member's Raft nodes catch up up to ~1.6 s
     * after the repair, and a crash inside that window is a double fault). Returns the leader.
     */
    private Node awaitReady() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(READY_DEADLINE_MS);
        String why = "";
        for (Node node : nodes) {
            verify(node);
        }
        while (System.nanoTime() < deadline) {
            why = cpReturned();
            Node leader = null;
            if (why.isEmpty()) {
                Map<String, String> views = new TreeMap<>();
                for (Node node : nodes) {
                    try {
                        Reply r = view(node);
                        Map<String, Object> v = r.status == 200 ? r.json() : Map.of();
                        views.put(node.name, v.get("leader") + (Boolean.TRUE.equals(v.get("stale")) ? "/stale" : ""));
                    } catch (IOException e) {
                        views.put(node.name, e.getClass().getSimpleName());
                    }
                }
                Set<String> distinct = new HashSet<>(views.values());
                String l = distinct.size() == 1 ? distinct.iterator().next() : null;
                leader = l == null ? null : nodes.stream().filter(n -> n.name.equals(l)).findFirst().orElse(null);
                why = leader == null ? "leaders named: " + views : "";
            }
            if (leader != null) {
                String name = "bench-sync-" + (++syncWrites) + "-" + System.currentTimeMillis();
                try {
                    Reply r = put(http, leader, name, name, "5s", Duration.ofSeconds(10));
                    if (r.status / 100 == 2) {
                        long revision = Json.num(r.json(), "revision", -1);
                        acknowledged.put(name, revision);
                        awaitApplied(revision, deadline);
                        pause(longOpt("settle", 2000));
                        everReady = true;
                        return leader;
                    }
                    why = "sync write to " + leader + ": " + r.status + " " + r.body;
                } catch (IOException e) {
                    why = "sync write to " + leader + ": " + e;
                }
            }
            pause(250);
        }
        throw new BenchFailure("the group did not become ready within " + READY_DEADLINE_MS / 1000 + " s: " + why);
    }

    /** "" once every restarted voter logged its return to the CP groups and its Raft nodes list it; else what is missing. */
    private String cpReturned() throws IOException {
        StringBuilder missing = new StringBuilder();
        for (Map.Entry<Node, Long> e : new ArrayList<>(cpPending.entrySet())) {
            String log = readFrom(e.getKey().log(), e.getValue());
            boolean repaired = log.contains("This voter is back in the CP groups");
            boolean metadata = false;
            boolean group = false;
            for (String line : log.split("\n")) {
                if (line.contains("CP Group Members {groupId: METADATA(") && line.contains("size:" + voters)
                        && (line.contains("- FOLLOWER this") || line.contains("- LEADER this"))) {
                    metadata = true;
                }
                if (line.contains("CP Group Members {groupId: default(") && line.contains("size:" + voters)
                        && (line.contains("- FOLLOWER this") || line.contains("- LEADER this"))) {
                    group = true;
                }
            }
            if (repaired && metadata && group) {
                cpPending.remove(e.getKey());
            } else {
                missing.append(e.getKey()).append(" not back in the CP groups yet (repair logged: ").append(repaired)
                        .append(", METADATA lists it: ").append(metadata).append(", default lists it: ").append(group)
                        .append(") ");
            }
        }
        return missing.toString();
    }

    private void awaitApplied(long revision, long deadline) throws Exception {
        Map<String, Long> applied = new TreeMap<>();
        while (System.nanoTime() < deadline) {
            applied.clear();
            for (Node node : nodes) {
                try {
                    Reply r = get(http, node, "/health", REQUEST_TIMEOUT);
                    applied.put(node.name, r.status == 200 ? Json.num(r.json(), "appliedIndex", -1) : -1);
                } catch (IOException e) {
                    applied.put(node.name, -1L);
                }
            }
            if (applied.values().stream().allMatch(a -> a >= revision)) {
                return;
            }
            pause(50);
        }
        throw new BenchFailure("index " + revision + " not applied on every node in time: " + applied);
    }

    /** Every write this phase had acknowledged is on every node, with the acknowledged revision or a later one. */
    private void checkNoWriteLost() throws Exception {
        if (acknowledged.isEmpty()) {
            return;
        }
        long last = Collections.max(acknowledged.values());
        awaitApplied(last, System.nanoTime() + TimeUnit.SECONDS.toNanos(60));
        int problems = 0;
        for (Node node : nodes) {
            Reply r = get(http, node, "/objects?kind=Pipeline", Duration.ofSeconds(30));
            Map<String, Long> stored = new HashMap<>();
            for (Object o : (List<?>) Json.parse(r.body)) {
                Map<String, Object> obj = Json.obj(o);
                stored.put((String) obj.get("name"), Json.num(obj, "revision", -1));
            }
            for (Map.Entry<String, Long> e : acknowledged.entrySet()) {
                Long rev = stored.get(e.getKey());
                if (rev == null || rev < e.getValue()) {
                    if (problems++ < 10) {
                        System.out.printf("  LOST WRITE: %s acknowledged at revision %d, on %s: %s%n", e.getKey(),
                                e.getValue(), node, rev == null ? "absent" : "revision " + rev);
                    }
                }
            }
        }
        System.out.printf("  acknowledged writes checked on every node: %d, missing: %d%n", acknowledged.size(), problems);
        result(opts.getOrDefault("label", "phase") + "_lost_writes", problems);
        if (problems > 0) {
            throw new BenchFailure(problems + " acknowledged writes missing (see LOST WRITE lines)");
        }
    }

    // ---------------------------------------------------------------- processes

    /** Checks that {@code node} answers as the process the launcher started (launch id and pid). */
    private void verify(Node node) throws Exception {
        String launchId = Files.readString(node.dir.resolve("launch.id")).trim();
        long pid = Long.parseLong(Files.readString(node.dir.resolve("karaf.pid")).trim());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try {
                Reply r = get(http, node, "/health", REQUEST_TIMEOUT);
                Map<String, Object> self = r.status == 200 ? Json.obj(r.json().get("node")) : Map.of();
                if (launchId.equals(self.get("launchId")) && pid == Json.num(self, "pid", -1)) {
                    return;
                }
                throw new BenchFailure("port " + node.port + " is not answered by " + node + " as started (launch id "
                        + launchId + ", pid " + pid + "): " + r.status + " " + r.body);
            } catch (IOException e) {
                // an overloaded node answers late: ask again until the deadline
                if (System.nanoTime() > deadline) {
                    throw new BenchFailure(node + " (port " + node.port + ") does not answer its health: " + e);
                }
                pause(500);
            }
        }
    }

    /** kill -9 of the node's JVM, after checking the pid is that node's Karaf; returns System.nanoTime() of the kill. */
    private long kill(Node node) throws Exception {
        ProcessHandle process = karaf(node, true);
        long at = System.nanoTime();
        if (!process.destroyForcibly()) {
            throw new BenchFailure("could not kill -9 " + node + " (pid " + process.pid() + ")");
        }
        process.onExit().get(10, TimeUnit.SECONDS);
        return at;
    }

    /** Sends SIGSTOP or SIGCONT to the node's Karaf; returns when it was sent. */
    private long signal(Node node, String signal) throws Exception {
        ProcessHandle process = karaf(node, !"CONT".equals(signal));
        long at = System.nanoTime();
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).redirectErrorStream(true).start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            kill.destroyForcibly();
            throw new BenchFailure("could not send SIG" + signal + " to " + node + " (pid " + process.pid() + ")");
        }
        return at;
    }

    /**
     * The node's Karaf process, after checking that the pid in its karaf.pid is that node's Karaf (and, when
     * {@code answering}, that its admin port is answered by it: not for a stopped process).
     */
    private ProcessHandle karaf(Node node, boolean answering) throws Exception {
        if (answering) {
            verify(node);
        }
        long pid = Long.parseLong(Files.readString(node.dir.resolve("karaf.pid")).trim());
        String cmdline = Files.readString(Path.of("/proc/" + pid + "/cmdline")).replace('\0', ' ');
        if (!cmdline.contains("-Dkaraf.base=" + node.dir + " ")) {
            throw new BenchFailure("pid " + pid + " in " + node.dir + "/karaf.pid is not that node's Karaf: " + cmdline);
        }
        return ProcessHandle.of(pid).orElseThrow(() -> new BenchFailure(node + " (pid " + pid + ") is not running"));
    }

    /** Starts the node again with ./gatehouse cluster start-node, waits until it answers as itself. */
    private void restart(Node node) throws Exception {
        long offset = Files.exists(node.log()) ? Files.size(node.log()) : 0;
        long began = System.nanoTime();
        Path out = Files.createTempFile("cluster-bench-start-node", ".log");
        Process p = new ProcessBuilder(launcher.toString(), "cluster", "start-node", String.valueOf(node.index))
                .redirectErrorStream(true).redirectOutput(out.toFile()).start();
        boolean exited = p.waitFor(400, TimeUnit.SECONDS);
        String said = Files.readString(out).strip();
        Files.delete(out);
        if (!exited || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new BenchFailure("./gatehouse cluster start-node " + node.index + " failed: " + said);
        }
        verify(node);
        if (node.index <= voters) {
            cpPending.put(node, offset);
        }
        System.out.printf("            %s restarted, answering after %.0f s%n", node, (System.nanoTime() - began) / 1e9);
    }

    // ---------------------------------------------------------------- HTTP

    private static HttpClient client() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(1)).build();
    }

    private Reply view(Node node) throws IOException, InterruptedException {
        return get(http, node, "/cluster", REQUEST_TIMEOUT);
    }

    private static Reply get(HttpClient client, Node node, String path, Duration timeout)
            throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(node.uri(path)).timeout(timeout)
                .header("Accept", "application/json").header("Authorization", "Bearer " + node.token()).GET().build();
        long sent = System.nanoTime();
        HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());
        return new Reply(r.statusCode(), r.body(), sent, System.nanoTime());
    }

    /** PUT /objects/Pipeline/{name} with a mock plugin, Idempotency-Key {@code key}, {@code ?timeout=}. */
    private static Reply put(HttpClient client, Node node, String name, String key, String timeoutParam, Duration timeout)
            throws IOException, InterruptedException {
        String body = "{\"kind\":\"Pipeline\",\"name\":\"" + name + "\",\"spec\":{\"plugins\":[{\"name\":\"answer\","
                + "\"kind\":\"mock\",\"spec\":{\"body\":\"" + name + "\\n\"}}]}}";
        HttpRequest request = HttpRequest.newBuilder(node.uri("/objects/Pipeline/" + name + "?timeout=" + timeoutParam))
                .timeout(timeout).header("Content-Type", "application/json").header("Idempotency-Key", key)
                .header("Authorization", "Bearer " + node.token())
                .PUT(HttpRequest.BodyPublishers.ofString(body)).build();
        long sent = System.nanoTime();
        HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());
        return new Reply(r.statusCode(), r.body(), sent, System.nanoTime());
    }

    // ---------------------------------------------------------------- figures and output

    private void line(String what, List<Long> values, long targetMs) {
        long p50 = pct(values, 50);
        long max = max(values);
        String target = "";
        if (targetMs > 0) {
            long within = values.stream().filter(v -> v <= targetMs).count();
            target = String.format("   target <= %d ms: %s (%d of %d within)", targetMs,
                    max <= targetMs ? "met" : p50 <= targetMs ? "met by p50, MISSED by max" : "MISSED", within, values.size());
        }
        System.out.printf("  %-28s p50 %6d ms   max %6d ms   (all: %s)%s%n", what, p50, max, values, target);
    }

    private void result(String key, Object value) {
        results.add(key + "=" + value);
    }

    private void printResults() {
        if (!results.isEmpty()) {
            System.out.println("RESULT " + String.join(" ", results));
        }
    }

    /** Nearest-rank percentile (0 for no values). */
    static long pct(List<Long> values, double p) {
        if (values.isEmpty()) {
            return 0;
        }
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
    }

    static long max(List<Long> values) {
        return values.isEmpty() ? 0 : Collections.max(values);
    }

    private static long ms(long since, long at) {
        return TimeUnit.NANOSECONDS.toMillis(at - since);
    }

    /** A deliberate pause between polls or attempts (every loop that uses it is bounded by a deadline). */
    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchFailure("interrupted");
        }
    }

    private static String readFrom(Path file, long offset) throws IOException {
        if (!Files.exists(file)) {
            return "";
        }
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            long start = Math.min(offset, f.length());
            byte[] bytes = new byte[(int) (f.length() - start)];
            f.seek(start);
            f.readFully(bytes);
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }

    private String required(String key) {
        String v = opts.get(key);
        if (v == null) {
            throw new IllegalArgumentException("--" + key + " is required");
        }
        return v;
    }

    private int intOpt(String key, int def) {
        return opts.containsKey(key) ? Integer.parseInt(opts.get(key)) : def;
    }

    private long longOpt(String key, long def) {
        return opts.containsKey(key) ? Long.parseLong(opts.get(key)) : def;
    }

    static final class BenchFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BenchFailure(String message) {
            super(message);
        }
    }

    /** The least JSON reader that reads the admin API's answers: objects, arrays, strings, numbers, literals. */
    static final class Json {
        private final String s;
        private int i;

        private Json(String s) {
            this.s = s;
        }

        static Object parse(String text) {
            Json j = new Json(text);
            Object v = j.value();
            j.ws();
            if (j.i != text.length()) {
                throw new IllegalArgumentException("trailing data at " + j.i);
            }
            return v;
        }

        @SuppressWarnings("unchecked")
        static Map<String, Object> obj(Object o) {
            return o instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
        }

        static long num(Map<String, Object> o, String key, long def) {
            return o.get(key) instanceof Number n ? n.longValue() : def;
        }

        private void ws() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
        }

        private Object value() {
            ws();
            char c = s.charAt(i);
            switch (c) {
                case '{': {
                    Map<String, Object> m = new LinkedHashMap<>();
                    i++;
                    ws();
                    if (s.charAt(i) == '}') {
                        i++;
                        return m;
                    }
                    while (true) {
                        ws();
                        String k = string();
                        ws();
                        expect(':');
                        m.put(k, value());
                        ws();
                        if (s.charAt(i) == ',') {
                            i++;
                        } else {
                            expect('}');
                            return m;
                        }
                    }
                }
                case '[': {
                    List<Object> l = new ArrayList<>();
                    i++;
                    ws();
                    if (s.charAt(i) == ']') {
                        i++;
                        return l;
                    }
                    while (true) {
                        l.add(value());
                        ws();
                        if (s.charAt(i) == ',') {
                            i++;
                        } else {
                            expect(']');
                            return l;
                        }
                    }
                }
                case '"':
                    return string();
                case 't':
                    return literal("true", Boolean.TRUE);
                case 'f':
                    return literal("false", Boolean.FALSE);
                case 'n':
                    return literal("null", null);
                default:
                    return number();
            }
        }

        private void expect(char c) {
            if (s.charAt(i) != c) {
                throw new IllegalArgumentException("expected '" + c + "' at " + i);
            }
            i++;
        }

        private Object literal(String word, Object v) {
            if (!s.startsWith(word, i)) {
                throw new IllegalArgumentException("bad literal at " + i);
            }
            i += word.length();
            return v;
        }

        private Object number() {
            int start = i;
            while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) {
                i++;
            }
            String t = s.substring(start, i);
            if (t.isEmpty()) {
                throw new IllegalArgumentException("unexpected '" + s.charAt(start) + "' at " + start);
            }
            return t.matches("-?\\d+") ? (Object) Long.parseLong(t) : (Object) Double.parseDouble(t);
        }

        private String string() {
            expect('"');
            StringBuilder b = new StringBuilder();
            while (true) {
                char c = s.charAt(i++);
                if (c == '"') {
                    return b.toString();
                }
                if (c != '\\') {
                    b.append(c);
                    continue;
                }
                char e = s.charAt(i++);
                switch (e) {
                    case 'n' -> b.append('\n');
                    case 't' -> b.append('\t');
                    case 'r' -> b.append('\r');
                    case 'b' -> b.append('\b');
                    case 'f' -> b.append('\f');
                    case 'u' -> {
                        b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                        i += 4;
                    }
                    default -> b.append(e);
                }
            }
        }
    }
}
