package io.gatehouse.cluster.internal.stats;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gatehouse.api.cluster.ClusterStatus;
import io.gatehouse.api.cluster.GroupAuthenticator;
import io.gatehouse.api.cluster.MemberState;
import io.gatehouse.api.cluster.MemberStatus;
import io.gatehouse.api.stats.ClusterTraffic;
import io.gatehouse.api.stats.TrafficJson;
import io.gatehouse.api.stats.TrafficReport;
import io.gatehouse.api.stats.TrafficReport.NodeAnswer;
import io.gatehouse.api.stats.TrafficSnapshot;
import io.gatehouse.api.stats.TrafficStats;
import io.gatehouse.cluster.internal.ClusterNode;
import io.gatehouse.cluster.internal.groups.GroupSignature;
import io.gatehouse.cluster.internal.groups.GroupTls;
import io.gatehouse.cluster.internal.Messaging;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ClusterTraffic} (docs/statistics.md): answers {@value #TYPE} with this node's counters, and gathers
 * the counters of the group (every member the membership knows, over the messaging layer, each within the
 * deadline) or of the cluster (the group, plus each other group's report fetched from one of its configured
 * admin addresses over HTTP). A node that does not answer in time, or is known dead or gone, is flagged in
 * the report with the reason; nothing waits beyond the deadline.
 */
@Component(immediate = true, service = ClusterTraffic.class)
public class TrafficComponent implements ClusterTraffic {
    /** The message type of a node's counters. */
    public static final String TYPE = "stats.node";
    private static final Logger LOG = LoggerFactory.getLogger(TrafficComponent.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ClusterNode node;
    /** The core's counters; absent while the core is stopped (then this node has no statistics to give). */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile TrafficStats stats;
    private final Messaging.Handler handler;
    private final ExecutorService http;
    private final HttpClient client;
    private final GroupSignature signature;

    @Activate
    public TrafficComponent(@Reference(name = "node", policyOption = ReferencePolicyOption.GREEDY) ClusterNode node) {
        this.node = node;
        this.handler = m -> JSON.writeValueAsBytes(TrafficJson.snapshot(stats().snapshot()));
        this.http = new ThreadPoolExecutor(1, 2, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(64), r -> {
            Thread t = new Thread(r, "gatehouse-stats-http");
            t.setDaemon(true);
            return t;
        });
        this.client = HttpClient.newBuilder().executor(http).connectTimeout(Duration.ofSeconds(2))
                .sslContext(node.groupsTls()).proxy(HttpClient.Builder.NO_PROXY)
                .followRedirects(HttpClient.Redirect.NEVER).build();
        this.signature = new GroupSignature(node.secret(), System::currentTimeMillis);
        node.messaging().register(TYPE, handler);
    }

    /** For tests: a component with the core's counters already bound. */
    public TrafficComponent(ClusterNode node, TrafficStats stats) {
        this(node);
        this.stats = stats;
    }

    private TrafficStats stats() {
        TrafficStats s = stats;
        if (s == null) {
            throw new IllegalStateException("no traffic statistics on " + node.settings().nodeName()
                    + " (its core is stopped)");
        }
        return s;
    }

    @Deactivate
    public void deactivate() {
        node.messaging().unregister(TYPE, handler);
        http.shutdownNow();
    }

    @Override
    public CompletableFuture<TrafficReport> collect(Scope scope, Duration deadline) {
        TrafficStats stats;
        try {
            stats = stats();
        } catch (IllegalStateException e) {
            return CompletableFuture.failedFuture(e);
        }
        String group = node.settings().group();
        String self = node.settings().nodeName();
        if (scope == Scope.NODE) {
            TrafficSnapshot mine = stats.snapshot();
            return CompletableFuture.completedFuture(report("node",
                    List.of(new NodeAnswer(self, group, true, "", mine.since())), Map.of(self, mine)));
        }
        CompletableFuture<Gathered> own = group(deadline);
        if (scope == Scope.GROUP) {
            return own.thenApply(g -> report("group", g.answers, g.snapshots));
        }
        List<CompletableFuture<Gathered>> parts = new ArrayList<>(List.of(own));
        node.settings().groups().forEach((other, addresses) -> parts.add(otherGroup(other, addresses, deadline)));
        return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)).thenApply(v -> {
            List<NodeAnswer> answers = new ArrayList<>();
            Map<String, TrafficSnapshot> snapshots = new TreeMap<>();
            for (CompletableFuture<Gathered> p : parts) {
                Gathered g = p.join();
                answers.addAll(g.answers);
                snapshots.putAll(g.snapshots);
            }
            return report("cluster", answers, snapshots);
        });
    }

    private TrafficReport report(String scope, List<NodeAnswer> answers, Map<String, TrafficSnapshot> snapshots) {
        List<NodeAnswer> sorted = new ArrayList<>(answers);
        sorted.sort((a, b) -> a.group().equals(b.group()) ? a.name().compareTo(b.name())
                : a.group().compareTo(b.group()));
        List<Map<String, io.gatehouse.api.stats.TrafficCounters>> servers = new ArrayList<>();
        List<Map<String, io.gatehouse.api.stats.TrafficCounters>> pipelines = new ArrayList<>();
        snapshots.values().forEach(s -> {
            servers.add(s.servers());
            pipelines.add(s.pipelines());
        });
        TrafficStats sum = stats();
        return new TrafficReport(scope, sorted, sum.sumByName(servers), sum.sumByName(pipelines), snapshots);
    }

    /** What a part of the cluster answered. */
    private record Gathered(List<NodeAnswer> answers, Map<String, TrafficSnapshot> snapshots) {
    }

    /** Every member this node knows in its group: the live ones asked, the others flagged. */
    private CompletableFuture<Gathered> group(Duration deadline) {
        ClusterStatus status = node.status();
        String self = node.settings().nodeName();
        List<String> names = new ArrayList<>();
        List<CompletableFuture<NodeAnswer>> asked = new ArrayList<>();
        Map<String, TrafficSnapshot> snapshots = new java.util.concurrent.ConcurrentHashMap<>();
        List<NodeAnswer> flagged = new ArrayList<>();
        java.util.Set<String> known = new java.util.HashSet<>();
        for (MemberStatus m : status.members()) {
            known.add(m.name());
            if (m.name().equals(self)) {
                TrafficSnapshot mine = stats().snapshot();
                snapshots.put(self, mine);
                flagged.add(new NodeAnswer(self, m.group(), true, "", mine.since()));
            } else if (m.state() == MemberState.DEAD || m.state() == MemberState.LEFT) {
                flagged.add(new NodeAnswer(m.name(), m.group(), false, m.state().name().toLowerCase(), null));
            } else {
                names.add(m.name());
                asked.add(ask(m, deadline, snapshots));
            }
        }
        for (String voter : node.settings().voters()) {
            if (!known.contains(voter)) {
                flagged.add(new NodeAnswer(voter, node.settings().group(), false, "not a member of the group now",
                        null));
            }
        }
        return CompletableFuture.allOf(asked.toArray(CompletableFuture[]::new)).thenApply(v -> {
            List<NodeAnswer> answers = new ArrayList<>(flagged);
            asked.forEach(f -> answers.add(f.join()));
            return new Gathered(answers, Map.copyOf(snapshots));
        });
    }

    private CompletableFuture<NodeAnswer> ask(MemberStatus m, Duration deadline, Map<String, TrafficSnapshot> into) {
        CompletableFuture<byte[]> answer;
        try {
            answer = node.messaging().request(m.name(), TYPE, new byte[0], deadline);
        } catch (RuntimeException e) {
            answer = CompletableFuture.failedFuture(e);
        }
        return answer.handle((bytes, err) -> {
            if (err != null) {
                Throwable cause = err instanceof java.util.concurrent.CompletionException && err.getCause() != null
                        ? err.getCause() : err;
                return new NodeAnswer(m.name(), m.group(), false, String.valueOf(cause.getMessage()), null);
            }
            try {
                TrafficSnapshot s = TrafficJson.snapshot(JSON.readTree(bytes));
                into.put(m.name(), s);
                return new NodeAnswer(m.name(), m.group(), true, "", s.since());
            } catch (IOException | RuntimeException e) {
                return new NodeAnswer(m.name(), m.group(), false, "unreadable answer: " + e.getMessage(), null);
            }
        });
    }

    /**
     * Another group's report (with its nodes' raw counters), from the first of its configured admin addresses
     * that answers; the whole group flagged when none does within the deadline.
     */
    private CompletableFuture<Gathered> otherGroup(String group, List<String> addresses, Duration deadline) {
        long end = System.nanoTime() + deadline.toNanos();
        return tryAddress(group, addresses, 0, end, "no admin address configured");
    }

    private CompletableFuture<Gathered> tryAddress(String group, List<String> addresses, int i, long end,
                                                   String lastError) {
        long left = end - System.nanoTime();
        if (i >= addresses.size() || left <= TimeUnit.MILLISECONDS.toNanos(50)) {
            return CompletableFuture.completedFuture(new Gathered(List.of(new NodeAnswer("*", group, false,
                    "no node of group " + group + " answered: " + lastError, null)), Map.of()));
        }
        String address = addresses.get(i);
        // the other group gathers its own members within most of what is left, so that its answer arrives in time
        long inner = Math.max(50, TimeUnit.NANOSECONDS.toMillis(left) * 3 / 4);
        HttpRequest request;
        try {
            // signed with the cluster secret: the other group's admin API takes it instead of a bearer token
            String target = "/api/v1/stats?scope=group&snapshots=true&timeout=" + inner + "ms";
            GroupSignature.Signed signed = signature.sign("GET", target, new byte[0], node.settings().nodeName());
            request = HttpRequest.newBuilder(GroupTls.uri(address, target)).timeout(Duration.ofNanos(left))
                    .header(GroupAuthenticator.NODE_HEADER, signed.node())
                    .header(GroupAuthenticator.TIMESTAMP_HEADER, signed.timestamp())
                    .header(GroupAuthenticator.SIGNATURE_HEADER, signed.signature())
                    .GET().build();
        } catch (IllegalArgumentException e) {
            return tryAddress(group, addresses, i + 1, end, address + ": " + e.getMessage());
        }
        return client.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray()).handle((r, err) -> {
            if (err != null) {
                return tryAddress(group, addresses, i + 1, end, address + ": " + err);
            }
            if (r.statusCode() != 200) {
                return tryAddress(group, addresses, i + 1, end, address + " answered " + r.statusCode());
            }
            try {
                JsonNode body = JSON.readTree(r.body());
                TrafficReport other = TrafficJson.reportWithSnapshots(body);
                List<NodeAnswer> answers = other.nodes();
                if (answers.stream().anyMatch(a -> !a.group().equals(group))) {
                    return tryAddress(group, addresses, i + 1, end, address + " is not in group " + group);
                }
                return CompletableFuture.completedFuture(new Gathered(answers, other.snapshots()));
            } catch (IOException | RuntimeException e) {
                LOG.debug("Statistics of group {} from {} are unreadable", group, address, e);
                return tryAddress(group, addresses, i + 1, end, address + ": unreadable answer: " + e.getMessage());
            }
        }).thenCompose(f -> f);
    }
}
