package io.gatehouse.admin.internal;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gatehouse.api.cluster.ClusterStatus;
import io.gatehouse.api.cluster.Consensus;
import io.gatehouse.api.cluster.MemberStatus;
import io.gatehouse.api.config.ConfigService;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /api/v1/cluster}: this node's view of its group, and the cluster fields of health. Three cases:
 * <ul>
 *   <li>a {@link Consensus} is bound: its {@link ClusterStatus} ({@code "mode":"cluster"});</li>
 *   <li>none is bound and the core runs standalone (it commits locally): a one-node group
 *       ({@code "mode":"standalone"}, node and leader {@value #STANDALONE_NODE}, never stale, no members);</li>
 *   <li>none is bound and the core is not standalone: 503, stale (writes are refused until the cluster
 *       service runs; the node serves its last applied configuration).</li>
 * </ul>
 * The Consensus is read once per request (it may come and go at any time); reading its status is cheap and
 * never blocks.
 */
final class ClusterView {
    /** The node name (and leader) of a standalone node's view. */
    static final String STANDALONE_NODE = "standalone";
    /** The group of a standalone node (the core's: the cluster's default group name). */
    static final String STANDALONE_GROUP = "default";
    private static final Logger LOG = LoggerFactory.getLogger(ClusterView.class);
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final ConfigService config;
    private final Supplier<Consensus> consensus;
    private final boolean standalone;
    private final Rendering rendering;

    /**
     * @param consensus  the bound cluster service, or null (read on every request)
     * @param standalone whether the core commits locally when no cluster service runs
     */
    ClusterView(ConfigService config, Supplier<Consensus> consensus, boolean standalone, Rendering rendering) {
        this.config = config;
        this.consensus = consensus;
        this.standalone = standalone;
        this.rendering = rendering;
    }

    void register(Router router) {
        router.get("/api/v1/cluster", this::cluster);
    }

    private ApiResponse cluster(ApiRequest request) {
        Consensus c = consensus.get();
        if (c == null) {
            return standalone ? ApiResponse.ok(standaloneView()) : unavailable(notRunning());
        }
        ClusterStatus status;
        try {
            status = c.status();
        } catch (RuntimeException e) {
            LOG.warn("The cluster status cannot be read", e);
            return unavailable("the cluster status cannot be read: " + e.getMessage());
        }
        return ApiResponse.ok(clusterView(status));
    }

    /**
     * This node's group: the cluster service's, {@value #STANDALONE_GROUP} without one, null when it cannot be
     * read.
     */
    String group() {
        Consensus c = consensus.get();
        if (c == null) {
            return STANDALONE_GROUP;
        }
        try {
            return c.status().group();
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** Adds {@code role}, {@code leader} and {@code stale} to health when they are known. */
    void addToHealth(ObjectNode health) {
        Consensus c = consensus.get();
        if (c == null) {
            if (!standalone) {
                health.put("stale", true);
            }
            return;
        }
        try {
            ClusterStatus status = c.status();
            health.put("role", lower(status.role()));
            health.put("leader", status.leader());
            health.put("stale", status.stale());
        } catch (RuntimeException e) {
            LOG.warn("The cluster status cannot be read", e);
            health.putNull("role");
            health.putNull("leader");
            health.put("stale", true);
        }
    }

    private ObjectNode clusterView(ClusterStatus s) {
        ObjectNode n = NODES.objectNode();
        n.put("mode", "cluster");
        n.put("cluster", s.cluster());
        n.put("node", s.node());
        n.put("group", s.group());
        n.put("role", lower(s.role()));
        n.put("leader", s.leader());
        n.put("epoch", s.epoch());
        n.put("commitIndex", s.commitIndex());
        n.put("appliedIndex", config.appliedIndex());
        n.put("stale", s.stale());
        n.put("reason", s.reason().isEmpty() ? null : s.reason());
        ArrayNode members = n.putArray("members");
        for (MemberStatus m : s.members()) {
            members.addObject()
                    .put("name", m.name())
                    .put("group", m.group())
                    .put("role", lower(m.role()))
                    .put("address", m.address())
                    .put("state", lower(m.state()))
                    .put("appliedIndex", m.appliedIndex())
                    .put("lastSeenMillis", m.lastSeenMillis());
        }
        return n;
    }

    private ObjectNode standaloneView() {
        ObjectNode n = NODES.objectNode();
        n.put("mode", "standalone");
        n.putNull("cluster");
        n.put("node", STANDALONE_NODE);
        n.put("group", STANDALONE_GROUP);
        n.put("role", "voter");
        n.put("leader", STANDALONE_NODE);
        // the local committer's epoch lives in the core's log; the admin does not read the log
        n.putNull("epoch");
        commitIndex(n);
        n.put("appliedIndex", config.appliedIndex());
        n.put("stale", false);
        n.putNull("reason");
        n.putArray("members");
        return n;
    }

    /** 503 in the error shape, plus what this node still knows: it is stale and serves its applied state. */
    private ApiResponse unavailable(String message) {
        ObjectNode body = rendering.error(503, "unavailable", message, List.of());
        body.put("mode", "cluster");
        body.put("stale", true);
        commitIndex(body);
        body.put("appliedIndex", config.appliedIndex());
        return new ApiResponse(503, body, false, Map.of());
    }

    private String notRunning() {
        return "this node's cluster service is not running; it serves its last applied configuration (index "
                + config.appliedIndex() + ")";
    }

    private void commitIndex(ObjectNode n) {
        long commit = config.commitIndex();
        if (commit >= 0) {
            n.put("commitIndex", commit);
        } else {
            n.putNull("commitIndex");
        }
    }

    private static String lower(Enum<?> value) {
        return value == null ? null : value.name().toLowerCase(Locale.ROOT);
    }
}
