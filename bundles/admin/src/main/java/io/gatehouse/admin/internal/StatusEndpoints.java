package io.gatehouse.admin.internal;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gatehouse.api.config.ConfigObject;
import io.gatehouse.api.config.ConfigService;
import io.gatehouse.api.config.ObjectStatus;
import io.gatehouse.api.config.KindUse;
import io.gatehouse.api.config.PluginKindInfo;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Read-only views of the node: health (for probes and scripts) and the registered plugin kinds. Health stays
 * {@code UP} while some objects are not ready: the node itself serves and accepts changes, and a probe that
 * restarted it would not bring a missing plugin kind or a taken port back; {@code notReady} lists them.
 * Health also says which node answers ({@link NodeIdentity}), so that a script can tell it from another
 * process listening on the same port, and, when a cluster service runs, the node's role, its group's leader and
 * whether its state may be stale ({@link ClusterView}).
 */
final class StatusEndpoints {
    private final ConfigService config;
    private final Rendering rendering;
    private final NodeIdentity node;
    private final ClusterView cluster;

    /**
     * @param cluster adds the cluster fields ({@code role}, {@code leader}, {@code stale}) to health
     */
    static final String READY = "/api/v1/ready";
    private static final String SERVERS = "HTTPServer";
    private final BooleanSupplier draining;

    StatusEndpoints(ConfigService config, Rendering rendering, NodeIdentity node, ClusterView cluster,
                    BooleanSupplier draining) {
        this.config = config;
        this.rendering = rendering;
        this.node = node;
        this.cluster = cluster;
        this.draining = draining;
    }

    void register(Router router) {
        router.open("/api/v1/health", this::health)
                .open(READY, this::ready)
                .get("/api/v1/kinds", this::kinds);
    }

    /**
     * For load balancers: 200 while this node serves every HTTPServer it is configured with, 503 while one is
     * not serving (its port taken, its spec invalid here), while it has not applied every entry it knows to be
     * committed (a node catching up), or while the node is stopping (draining).
     */
    private ApiResponse ready(ApiRequest request) {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        if (draining.getAsBoolean()) {
            body.put("ready", false);
            body.put("reason", "draining: the node is stopping");
            return new ApiResponse(503, body, false, Map.of());
        }
        long applied = config.appliedIndex();
        long commit = config.commitIndex();
        if (commit > applied) {
            body.put("ready", false);
            body.put("reason", "catching up: applied index " + applied + " of " + commit + " committed");
            return new ApiResponse(503, body, false, Map.of());
        }
        ArrayNode notServing = JsonNodeFactory.instance.arrayNode();
        for (ConfigObject o : config.list(SERVERS)) {
            ObjectStatus status = config.status(o.kind(), o.name()).orElse(ObjectStatus.READY);
            if (!status.ready()) {
                notServing.addObject().put("name", o.name()).put("reason", status.reason());
            }
        }
        body.put("ready", notServing.isEmpty());
        if (!notServing.isEmpty()) {
            body.put("reason", notServing.size() + " HTTP server(s) not serving");
            body.set("servers", notServing);
        }
        return new ApiResponse(notServing.isEmpty() ? 200 : 503, body, false, Map.of());
    }

    /**
     * Without a token (a load balancer, anybody who reaches the port): only {@code {"status":"UP"}}. With a
     * valid token: who answers (node id, pid, launch id), the log indexes, the cluster view, the objects and
     * kinds, and what does not serve.
     */
    private ApiResponse health(ApiRequest request) {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.put("status", "UP");
        if (request.caller() == Caller.ANONYMOUS) {
            return ApiResponse.ok(body);
        }
        body.set("node", identity());
        body.put("appliedIndex", config.appliedIndex());
        long commit = config.commitIndex();
        if (commit >= 0) {
            body.put("commitIndex", commit);
        } else {
            body.putNull("commitIndex");
        }
        cluster.addToHealth(body);
        List<ConfigObject> objects = config.list(null);
        body.put("objects", objects.size());
        ArrayNode kinds = body.putArray("pluginKinds");
        config.pluginKinds().forEach(k -> kinds.add(k.name()));
        ArrayNode notReady = body.putArray("notReady");
        for (ConfigObject o : objects) {
            // an object deleted since the listing has no status: it is simply not reported
            ObjectStatus status = config.status(o.kind(), o.name()).orElse(ObjectStatus.READY);
            if (!status.ready()) {
                notReady.addObject().put("kind", o.kind()).put("name", o.name()).put("reason", status.reason());
            }
        }
        return ApiResponse.ok(body);
    }

    private ObjectNode identity() {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("id", node.id());
        n.put("pid", node.pid());
        if (node.launchId() != null) {
            n.put("launchId", node.launchId());
        }
        if (node.started() != null) {
            n.put("startedAt", node.started().toString());
        }
        return n;
    }

    /** Every version of every kind on this node, each with the pipelines that use it. */
    private ApiResponse kinds(ApiRequest request) {
        List<PluginKindInfo> kinds = config.pluginKinds();
        List<KindUse> uses = config.pluginKindUses();
        ArrayNode array = JsonNodeFactory.instance.arrayNode();
        for (PluginKindInfo k : kinds) {
            ObjectNode node = rendering.kind(k);
            ArrayNode usedBy = node.putArray("usedBy");
            for (KindUse u : uses) {
                if (u.kind().equals(k.name()) && u.version().equals(k.version())) {
                    ObjectNode use = usedBy.addObject().put("pipeline", u.pipeline()).put("plugin", u.plugin())
                            .put("role", u.role()).put("requests", u.requests()).put("failures", u.failures())
                            .put("blocked", u.blocked());
                    if (!u.results().isEmpty()) {
                        ObjectNode results = use.putObject("results");
                        u.results().forEach(results::put);
                    }
                }
            }
            array.add(node);
        }
        return ApiResponse.ok(array);
    }
}
