package io.gatehouse.admin.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gatehouse.api.config.ConfigException;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.LoggerFactory;

/**
 * The audit log of admin API writes (docs/operations.md, "Logs"): one JSON line per request that is not a
 * GET, accepted or refused, written through the logger {@value #LOGGER} (Karaf's logging sends it to
 * {@code data/log/audit.log}) when the answer is sent: who (the token's name, never the token), from where,
 * what (method and target), the status, and the objects the write touched with their revisions and changes
 * (or the error). Writes are rare: the line is written on the answering thread.
 *
 * <p>The last {@value #KEPT_LINES} lines are also kept in memory and served, newest first, by
 * {@code GET /api/v1/audit} (the web console's "Recent writes" page): the writes this node received since it
 * started. The file is the complete record.
 */
final class AuditLog {
    static final String LOGGER = "gatehouse.audit";
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** The fields of an answer's objects that the line keeps (a made token's answer holds the token: never kept). */
    private static final List<String> KEPT = List.of("kind", "name", "role", "revision", "change");

    static final String PATH = "/api/v1/audit";
    static final int KEPT_LINES = 200;

    private final ObjectMapper json = new ObjectMapper();
    /** The last lines, oldest first; guarded by itself. */
    private final ArrayDeque<ObjectNode> recent = new ArrayDeque<>();
    private volatile Consumer<String> sink = LoggerFactory.getLogger(LOGGER)::info;

    /** Sends the lines to {@code sink} instead of the logger (tests). */
    void sink(Consumer<String> sink) {
        this.sink = sink;
    }

    /**
     * One write's line.
     *
     * @param caller who sent it; null when it was not authenticated
     * @param body   the answer's body (objects written), or null
     * @param error  the error's body, or null
     */
    void write(Caller caller, String client, String method, String target, int status, JsonNode body,
               JsonNode error) {
        ObjectNode line = NODES.objectNode();
        line.put("time", Instant.now().toString());
        line.put("token", caller == null ? null : caller.name());
        line.put("client", client);
        line.put("method", method);
        line.put("target", target);
        line.put("status", status);
        if (body != null) {
            ArrayNode objects = line.putArray("objects");
            if (body.isArray()) {
                body.forEach(o -> objects.add(kept(o)));
            } else if (body.isObject()) {
                objects.add(kept(body));
            }
        }
        if (error != null) {
            line.put("error", error.path("error").asText());
            line.put("message", error.path("message").asText());
        }
        synchronized (recent) {
            if (recent.size() == KEPT_LINES) {
                recent.removeFirst();
            }
            recent.addLast(line);
        }
        try {
            sink.accept(json.writeValueAsString(line));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            LoggerFactory.getLogger(AuditLog.class).warn("An audit line could not be written", e);
        }
    }

    void register(Router router) {
        router.get(PATH, Set.of("limit"), request -> ApiResponse.ok(recent(limit(request.query().getValue("limit")))));
    }

    /** The last {@code limit} lines, newest first. */
    ArrayNode recent(int limit) {
        ArrayNode array = NODES.arrayNode();
        synchronized (recent) {
            Iterator<ObjectNode> newest = recent.descendingIterator();
            while (newest.hasNext() && array.size() < limit) {
                array.add(newest.next().deepCopy());
            }
        }
        return array;
    }

    private static int limit(String value) {
        if (value == null) {
            return 50;
        }
        try {
            int limit = Integer.parseInt(value.trim());
            if (limit >= 1 && limit <= KEPT_LINES) {
                return limit;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw new ApiException(400, ConfigException.INVALID, "query parameter 'limit' is '" + value + "': use 1.."
                + KEPT_LINES);
    }

    private static ObjectNode kept(JsonNode o) {
        ObjectNode k = NODES.objectNode();
        for (String field : KEPT) {
            if (o.has(field)) {
                k.set(field, o.get(field));
            }
        }
        return k;
    }
}
