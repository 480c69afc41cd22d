package io.gatehouse.admin.internal;

import io.gatehouse.api.cluster.ClusterStatus;
import io.gatehouse.api.cluster.Consensus;
import io.gatehouse.api.cluster.Role;
import io.gatehouse.api.config.ConfigService;
import io.gatehouse.api.config.KindUse;
import io.gatehouse.api.stats.TrafficCounters;
import io.gatehouse.api.stats.TrafficStats;
import io.gatehouse.api.stats.RouteCounters;
import io.gatehouse.api.stats.TrafficSnapshot;
import io.gatehouse.api.stats.UpstreamCounters;
import io.gatehouse.dataplane.DataPlane;
import io.gatehouse.dataplane.PemKeyPair;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocatorMetric;
import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Unit;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.zip.DataFormatException;
import org.HdrHistogram.Histogram;

/**
 * {@code GET /metrics} in the Prometheus text format (docs/operations.md, "Metrics"), built at scrape time from
 * what the gateway counts anyway (the traffic statistics' counters and HdrHistogram latencies, the plugin
 * kinds' counters, the configuration and cluster state) plus the JVM's and Netty's memory: a scrape costs the
 * request path nothing. Snapshots and the text come from the Prometheus Java client.
 */
final class MetricsEndpoint {
    static final String PATH = "/metrics";
    /** The histogram buckets, in seconds (the latencies are kept in microseconds). */
    static final double[] BUCKETS = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
        Double.POSITIVE_INFINITY};
    /** The largest latency the statistics keep (TrafficRecorder): one hour, in microseconds. */
    private static final long HIGHEST_MICROS = 3_600_000_000L;
    private static final String[] CLASSES = {"1xx", "2xx", "3xx", "4xx", "5xx"};

    private final ConfigService config;
    private final Supplier<TrafficStats> stats;
    private final Supplier<Consensus> cluster;
    private final Supplier<DataPlane> dataPlane;
    /** The admin port's own certificate, or null (plain HTTP). */
    private final Supplier<PemKeyPair> adminCertificate;
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

    MetricsEndpoint(ConfigService config, Supplier<TrafficStats> stats, Supplier<Consensus> cluster,
                    Supplier<DataPlane> dataPlane) {
        this(config, stats, cluster, dataPlane, () -> null);
    }

    MetricsEndpoint(ConfigService config, Supplier<TrafficStats> stats, Supplier<Consensus> cluster,
                    Supplier<DataPlane> dataPlane, Supplier<PemKeyPair> adminCertificate) {
        this.adminCertificate = adminCertificate;
        this.config = config;
        this.stats = stats;
        this.cluster = cluster;
        this.dataPlane = dataPlane;
    }

    void register(Router router) {
        router.get(PATH, this::scrape);
    }

    private ApiResponse scrape(ApiRequest request) {
        MetricSnapshots.Builder out = MetricSnapshots.builder();
        TrafficStats traffic = stats.get();
        if (traffic != null) {
            TrafficSnapshot s = traffic.snapshot();
            traffic(out, "gatehouse_requests", "Requests served, by HTTPServer and status class", "server",
                    s.servers());
            traffic(out, "gatehouse_pipeline_requests", "Requests that ran a pipeline, by pipeline and status class",
                    "pipeline", s.pipelines());
            upstreams(out, traffic.upstreams());
            routes(out, traffic.routes());
        }
        connections(out);
        certificates(out);
        plugins(out);
        configuration(out);
        memory(out);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(16 * 1024);
        try {
            writer.write(bytes, out.build(), EscapingScheme.UNDERSCORE_ESCAPING);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write the metrics", e);
        }
        return ApiResponse.raw(200, PrometheusTextFormatWriter.CONTENT_TYPE, bytes.toByteArray());
    }

    /** A counter by name and status class, and a latency histogram by name. */
    private static void traffic(MetricSnapshots.Builder out, String metric, String help, String label,
                                Map<String, TrafficCounters> byName) {
        CounterSnapshot.Builder requests = CounterSnapshot.builder().name(metric).help(help);
        HistogramSnapshot.Builder durations = HistogramSnapshot.builder()
                .name(metric.replace("_requests", "_request_duration_seconds")).unit(Unit.SECONDS)
                .help("Time from the request head to the end of the pipeline, by " + label);
        for (Map.Entry<String, TrafficCounters> e : new TreeMap<>(byName).entrySet()) {
            TrafficCounters c = e.getValue();
            long[] counts = {c.status1xx(), c.status2xx(), c.status3xx(), c.status4xx(), c.status5xx()};
            for (int i = 0; i < counts.length; i++) {
                requests.dataPoint(CounterDataPointSnapshot.builder().value(counts[i])
                        .labels(Labels.of(label, e.getKey(), "code", CLASSES[i])).build());
            }
            Histogram h = decode(c.latency());
            if (h != null) {
                durations.dataPoint(histogram(h).labels(Labels.of(label, e.getKey())).build());
            }
        }
        out.metricSnapshot(requests.build());
        out.metricSnapshot(durations.build());
    }

    /**
     * The requests each routing rule matched, by server, rule index, what it matches, its pipeline and the
     * status class they ended with.
     */
    private static void routes(MetricSnapshots.Builder out, List<RouteCounters> routes) {
        CounterSnapshot.Builder matched = CounterSnapshot.builder().name("gatehouse_route_requests")
                .help("Requests a routing rule matched, counted when they end, since its server's rules last"
                        + " changed; by HTTPServer, rule index, what it matches, its pipeline and status class");
        for (RouteCounters r : routes) {
            long[] counts = {r.status1xx(), r.status2xx(), r.status3xx(), r.status4xx(), r.status5xx()};
            for (int i = 0; i < counts.length; i++) {
                matched.dataPoint(CounterDataPointSnapshot.builder().value(counts[i]).labels(Labels.of("server",
                        r.server(), "rule", String.valueOf(r.rule()), "matches", r.matches(), "pipeline",
                        r.pipeline(), "code", CLASSES[i])).build());
            }
        }
        out.metricSnapshot(matched.build());
    }

    /** Upstream calls and failures by HTTPServer, and each request's time split into upstream and gateway time. */
    private static void upstreams(MetricSnapshots.Builder out, Map<String, UpstreamCounters> byServer) {
        CounterSnapshot.Builder attempts = CounterSnapshot.builder().name("gatehouse_upstream_attempts")
                .help("Upstream calls sent (retries and hedged calls each count; shadow copies do not), by HTTPServer");
        CounterSnapshot.Builder errors = CounterSnapshot.builder().name("gatehouse_upstream_errors")
                .help("Upstream calls that failed before a response head, by HTTPServer and reason");
        HistogramSnapshot.Builder upstream = HistogramSnapshot.builder().name("gatehouse_upstream_duration_seconds")
                .unit(Unit.SECONDS).help("Per request that called upstreams: the time of its calls, each from being"
                        + " sent to its response head or failure, added up; by HTTPServer");
        HistogramSnapshot.Builder gateway = HistogramSnapshot.builder().name("gatehouse_gateway_duration_seconds")
                .unit(Unit.SECONDS).help("Per request: its duration minus its upstream time (the gateway's own"
                        + " time), by HTTPServer");
        for (Map.Entry<String, UpstreamCounters> e : new TreeMap<>(byServer).entrySet()) {
            Labels server = Labels.of("server", e.getKey());
            UpstreamCounters c = e.getValue();
            attempts.dataPoint(CounterDataPointSnapshot.builder().value(c.attempts()).labels(server).build());
            new TreeMap<>(c.errors()).forEach((reason, n) -> errors.dataPoint(CounterDataPointSnapshot.builder()
                    .value(n).labels(server.add("reason", reason.toLowerCase(java.util.Locale.ROOT))).build()));
            Histogram u = decode(c.upstreamLatency());
            if (u != null) {
                upstream.dataPoint(histogram(u).labels(server).build());
            }
            Histogram g = decode(c.gatewayLatency());
            if (g != null) {
                gateway.dataPoint(histogram(g).labels(server).build());
            }
        }
        out.metricSnapshot(attempts.build());
        out.metricSnapshot(errors.build());
        out.metricSnapshot(upstream.build());
        out.metricSnapshot(gateway.build());
    }

    /** The histogram's counts per bucket (not cumulative; the writer adds them up) and its sum, in seconds. */
    static HistogramDataPointSnapshot.Builder histogram(Histogram h) {
        long[] counts = new long[BUCKETS.length];
        long below = 0;
        for (int i = 0; i < BUCKETS.length - 1; i++) {
            long upTo = h.getCountBetweenValues(0, (long) (BUCKETS[i] * 1_000_000));
            counts[i] = Math.max(0, upTo - below);
            below = Math.max(below, upTo);
        }
        counts[BUCKETS.length - 1] = Math.max(0, h.getTotalCount() - below);
        return HistogramDataPointSnapshot.builder().classicHistogramBuckets(ClassicHistogramBuckets.of(BUCKETS, counts))
                .sum(h.getMean() * h.getTotalCount() / 1_000_000.0);
    }

    private static Histogram decode(byte[] encoded) {
        try {
            return Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(encoded), HIGHEST_MICROS);
        } catch (DataFormatException | RuntimeException e) {
            return null;
        }
    }

    /**
     * When each certificate served expires (Unix seconds), by HTTPServer (the admin port as {@code (admin)}) and
     * subject: alert on {@code gatehouse_tls_certificate_expiry_timestamp_seconds - time() < 14 * 86400}.
     */
    private void certificates(MetricSnapshots.Builder out) {
        GaugeSnapshot.Builder expiry = GaugeSnapshot.builder().name("gatehouse_tls_certificate_expiry_timestamp_seconds")
                .help("When a served certificate expires (Unix time), by HTTPServer (the admin port: (admin)) and subject");
        // by server and subject; two certificates with one subject on one server: the one that expires first
        Map<List<String>, Double> earliest = new TreeMap<>(java.util.Comparator.comparing(Object::toString));
        PemKeyPair admin = adminCertificate.get();
        if (admin != null) {
            java.security.cert.X509Certificate leaf = admin.chain().get(0);
            earliest.merge(List.of("(admin)", leaf.getSubjectX500Principal().getName()),
                    leaf.getNotAfter().getTime() / 1000.0, Math::min);
        }
        DataPlane d = dataPlane.get();
        if (d != null) {
            d.certificates().forEach((server, served) -> {
                for (DataPlane.ServedCertificate c : served) {
                    earliest.merge(List.of(server, c.subject()), (double) c.notAfter().getEpochSecond(), Math::min);
                }
            });
        }
        earliest.forEach((key, at) -> expiry.dataPoint(GaugeDataPointSnapshot.builder().value(at)
                .labels(Labels.of("server", key.get(0), "subject", key.get(1))).build()));
        out.metricSnapshot(expiry.build());
    }

    /** Open client connections of each HTTPServer (the data plane's count, checked against maxConnections). */
    private void connections(MetricSnapshots.Builder out) {
        DataPlane d = dataPlane.get();
        if (d == null) {
            return;
        }
        GaugeSnapshot.Builder open = GaugeSnapshot.builder().name("gatehouse_connections_open")
                .help("Open client connections, by HTTPServer");
        d.openConnections().forEach((server, n) -> open.dataPoint(GaugeDataPointSnapshot.builder().value(n)
                .labels(Labels.of("server", server)).build()));
        out.metricSnapshot(open.build());
    }

    /** Each plugin's requests, failures and results, by pipeline, plugin, kind and version. */
    private void plugins(MetricSnapshots.Builder out) {
        CounterSnapshot.Builder requests = CounterSnapshot.builder().name("gatehouse_plugin_requests")
                .help("Requests a plugin handled, by pipeline, plugin, kind and version");
        CounterSnapshot.Builder failures = CounterSnapshot.builder().name("gatehouse_plugin_failures")
                .help("Requests a plugin failed (threw or failed its completion)");
        CounterSnapshot.Builder results = CounterSnapshot.builder().name("gatehouse_plugin_results")
                .help("Calls a plugin completed, by result: success, a result its kind declares, undeclared, failed");
        for (KindUse u : config.pluginKindUses()) {
            Labels labels = Labels.of("pipeline", u.pipeline(), "plugin", u.plugin(), "kind", u.kind(), "version",
                    u.version());
            requests.dataPoint(CounterDataPointSnapshot.builder().value(u.requests()).labels(labels).build());
            failures.dataPoint(CounterDataPointSnapshot.builder().value(u.failures()).labels(labels).build());
            new TreeMap<>(u.results()).forEach((result, n) -> results.dataPoint(CounterDataPointSnapshot.builder()
                    .value(n).labels(labels.add("result", result.isEmpty() ? "success" : result)).build()));
        }
        out.metricSnapshot(requests.build());
        out.metricSnapshot(failures.build());
        out.metricSnapshot(results.build());
    }

    /** The operation log's indexes, and this node's place in its group. */
    private void configuration(MetricSnapshots.Builder out) {
        out.metricSnapshot(gauge("gatehouse_config_applied_index", "Index of the last operation-log entry applied here",
                config.appliedIndex()));
        long commit = config.commitIndex();
        if (commit >= 0) {
            out.metricSnapshot(gauge("gatehouse_config_commit_index",
                    "Index of the last operation-log entry this node knows to be committed", commit));
        }
        Consensus c = cluster.get();
        ClusterStatus status;
        try {
            status = c == null ? null : c.status();
        } catch (RuntimeException e) {
            // the cluster service is stopping or cannot tell: the other metrics still count most then
            out.metricSnapshot(gauge("gatehouse_cluster_stale", "1 when this node's view of its group is stale", 1));
            return;
        }
        if (status == null) {
            return;
        }
        GaugeSnapshot.Builder role = GaugeSnapshot.builder().name("gatehouse_cluster_role")
                .help("1 for this node's role in its group (leader, voter, observer)");
        String mine = status.leading() ? "leader" : status.role() == Role.OBSERVER ? "observer" : "voter";
        for (String r : new String[] {"leader", "voter", "observer"}) {
            role.dataPoint(GaugeDataPointSnapshot.builder().value(r.equals(mine) ? 1 : 0)
                    .labels(Labels.of("group", status.group(), "role", r)).build());
        }
        out.metricSnapshot(role.build());
        out.metricSnapshot(gauge("gatehouse_cluster_epoch", "The leadership epoch this node knows", status.epoch()));
        out.metricSnapshot(gauge("gatehouse_cluster_stale", "1 when this node's view of its group is stale",
                status.stale() ? 1 : 0));
    }

    /** The JVM's heap and non-heap memory, and Netty's pooled buffers (the data plane's). */
    private static void memory(MetricSnapshots.Builder out) {
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        MemoryUsage nonHeap = ManagementFactory.getMemoryMXBean().getNonHeapMemoryUsage();
        out.metricSnapshot(GaugeSnapshot.builder().name("gatehouse_jvm_memory_used_bytes").unit(Unit.BYTES)
                .help("JVM memory in use, by area")
                .dataPoint(GaugeDataPointSnapshot.builder().value(heap.getUsed()).labels(Labels.of("area", "heap"))
                        .build())
                .dataPoint(GaugeDataPointSnapshot.builder().value(nonHeap.getUsed())
                        .labels(Labels.of("area", "nonheap")).build())
                .build());
        if (heap.getMax() > 0) {
            out.metricSnapshot(GaugeSnapshot.builder().name("gatehouse_jvm_memory_max_bytes").unit(Unit.BYTES)
                    .help("The most heap the JVM may use")
                    .dataPoint(GaugeDataPointSnapshot.builder().value(heap.getMax())
                            .labels(Labels.of("area", "heap")).build())
                    .build());
        }
        PooledByteBufAllocatorMetric netty = PooledByteBufAllocator.DEFAULT.metric();
        out.metricSnapshot(GaugeSnapshot.builder().name("gatehouse_netty_pooled_memory_used_bytes").unit(Unit.BYTES)
                .help("Memory held by Netty's pooled buffer allocator (the data plane's), by kind")
                .dataPoint(GaugeDataPointSnapshot.builder().value(netty.usedDirectMemory())
                        .labels(Labels.of("kind", "direct")).build())
                .dataPoint(GaugeDataPointSnapshot.builder().value(netty.usedHeapMemory())
                        .labels(Labels.of("kind", "heap")).build())
                .build());
    }

    private static GaugeSnapshot gauge(String name, String help, double value) {
        return GaugeSnapshot.builder().name(name).help(help)
                .dataPoint(GaugeDataPointSnapshot.builder().value(value).build()).build();
    }
}
