package io.gatehouse.admin.internal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gatehouse.api.cluster.ClusterStatus;
import io.gatehouse.api.cluster.Consensus;
import io.gatehouse.api.cluster.ConsensusException;
import io.gatehouse.api.cluster.ConsensusException.Reason;
import io.gatehouse.api.cluster.GroupAuthenticator;
import io.gatehouse.api.config.ConfigException;
import io.gatehouse.api.config.Units;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpFields;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /api/v1/internal/forward?group=&timeout=}: a write a node of another group forwards to this
 * node's group (docs/cluster.md, "Writes to another group"). Not a public endpoint: the request must be signed
 * with the cluster secret ({@link GroupAuthenticator}: 401 without the signature headers, 403 when the
 * signature is wrong, out of the replay window or replayed), and name this node's group (421 otherwise).
 * The body is the sending core's forward request, which this node does not read: it goes to this group's
 * leader through {@link Consensus#forward} (the normal path: planned by the leader, forwarded within the
 * group when this node does not lead), request id and all. The answer is the leader's bytes (200), or the
 * refusal of this node's cluster service in the error shape with its {@code reason} and {@code leader}
 * (503; 504 for {@code TIMEOUT}), which the sender turns back into the same refusal.
 */
final class ForwardEndpoint {
    static final Duration MIN_TIMEOUT = Duration.ofMillis(1);
    static final Duration MAX_TIMEOUT = Duration.ofSeconds(120);
    /** How long after the deadline this endpoint answers TIMEOUT itself should the cluster service not. */
    private static final long GRACE_MILLIS = 1_000;
    private static final Pattern NODE = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
    private static final Pattern TIMESTAMP = Pattern.compile("[0-9]{1,18}");
    private static final Pattern SIGNATURE = Pattern.compile("[A-Za-z0-9_-]{1,128}");
    private static final Logger LOG = LoggerFactory.getLogger(ForwardEndpoint.class);

    private final Supplier<Consensus> consensus;
    private final Supplier<GroupAuthenticator> authenticator;
    private final Rendering rendering;

    ForwardEndpoint(Supplier<Consensus> consensus, Supplier<GroupAuthenticator> authenticator, Rendering rendering) {
        this.consensus = consensus;
        this.authenticator = authenticator;
        this.rendering = rendering;
    }

    void register(Router router) {
        router.signed("POST", GroupAuthenticator.FORWARD_PATH, Set.of("group", "timeout"), this::forward);
    }

    private CompletionStage<ApiResponse> forward(ApiRequest request) {
        String node = header(request.headers(), GroupAuthenticator.NODE_HEADER);
        String timestamp = header(request.headers(), GroupAuthenticator.TIMESTAMP_HEADER);
        String signature = header(request.headers(), GroupAuthenticator.SIGNATURE_HEADER);
        if (node == null || timestamp == null || signature == null || !NODE.matcher(node).matches()
                || !TIMESTAMP.matcher(timestamp).matches() || !SIGNATURE.matcher(signature).matches()) {
            return done(new ApiResponse(401, rendering.error(401, "unauthorized", "this endpoint takes only writes "
                    + "forwarded by another group's node, signed with the cluster secret (headers "
                    + GroupAuthenticator.NODE_HEADER + ", " + GroupAuthenticator.TIMESTAMP_HEADER + ", "
                    + GroupAuthenticator.SIGNATURE_HEADER + ", each once)", List.of()), false,
                    Map.of("WWW-Authenticate", "Gatehouse-HMAC")));
        }
        GroupAuthenticator auth = authenticator.get();
        Consensus c = consensus.get();
        if (auth == null || c == null) {
            return done(refusal(Reason.STOPPED, "this node's cluster service is not running", null));
        }
        GroupAuthenticator.Verdict verdict = auth.verify("POST", request.target(), request.body(), node, timestamp,
                signature);
        if (!verdict.accepted()) {
            LOG.warn("Refused a write forwarded as from node {}: {}", node, verdict.reason());
            return done(error(403, "forbidden", "refused: " + verdict.reason()));
        }
        ClusterStatus status;
        try {
            status = c.status();
        } catch (RuntimeException e) {
            return done(refusal(Reason.STOPPED, "this node's cluster status cannot be read: " + e.getMessage(), null));
        }
        String group = request.query("group");
        if (group == null) {
            throw new ApiException(400, ConfigException.INVALID, "query parameter 'group' is required");
        }
        if (!group.equals(status.group())) {
            return done(error(421, "misdirected", "this node (" + status.node() + ") is in group '" + status.group()
                    + "', not '" + group + "': check groups." + group + " on " + node));
        }
        String t = request.query("timeout");
        if (t == null) {
            throw new ApiException(400, ConfigException.INVALID, "query parameter 'timeout' is required");
        }
        Duration timeout;
        try {
            timeout = Units.duration(t, MIN_TIMEOUT, MAX_TIMEOUT);
        } catch (IllegalArgumentException e) {
            throw new ApiException(400, ConfigException.INVALID, "query parameter 'timeout': " + e.getMessage());
        }
        CompletableFuture<byte[]> answer;
        try {
            answer = c.forward(null, request.body(), timeout);
        } catch (RuntimeException e) {
            answer = CompletableFuture.failedFuture(e);
        }
        return answer.copy().orTimeout(timeout.toMillis() + GRACE_MILLIS, TimeUnit.MILLISECONDS).handle((bytes, failure) -> {
            if (failure == null) {
                return ApiResponse.raw(200, "application/octet-stream", bytes);
            }
            Throwable cause = unwrap(failure);
            if (cause instanceof ConsensusException e) {
                return refusal(e.reason(), e.getMessage(), e.leader());
            }
            if (cause instanceof TimeoutException) {
                return refusal(Reason.TIMEOUT, "no outcome within " + Units.format(timeout)
                        + "; the write may still commit", null);
            }
            LOG.warn("A write forwarded by node {} failed", node, cause);
            return refusal(Reason.STOPPED, "the cluster service failed: " + cause, null);
        });
    }

    /** The cluster service's refusal: 503 (504 for TIMEOUT) in the error shape plus its reason and leader. */
    private ApiResponse refusal(Reason reason, String message, String leader) {
        int status = reason == Reason.TIMEOUT ? 504 : 503;
        ObjectNode body = rendering.error(status, status == 504 ? ConfigException.TIMEOUT : ConfigException.UNAVAILABLE,
                message, List.of());
        body.put("reason", reason.name());
        body.put("leader", leader);
        return new ApiResponse(status, body, false, Map.of());
    }

    private ApiResponse error(int status, String code, String message) {
        return new ApiResponse(status, rendering.error(status, code, message, List.of()), false, Map.of());
    }

    /** The header's one value, or null when it is absent, blank or given more than once. */
    /** The one value of a header, trimmed; null when it is absent, blank or given more than once. */
    static String header(HttpFields headers, String name) {
        List<String> values = headers.getValuesList(name);
        if (values.size() != 1 || values.get(0).isBlank()) {
            return null;
        }
        return values.get(0).trim();
    }

    private static CompletionStage<ApiResponse> done(ApiResponse response) {
        return CompletableFuture.completedFuture(response);
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
