package io.gatehouse.core.internal.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gatehouse.api.config.ConfigException;
import io.gatehouse.api.config.ConfigObject;
import io.gatehouse.api.config.Violation;
import io.gatehouse.api.config.WriteMode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The bytes of a forwarded write (follower → leader) and of its answer (leader → follower), as JSON. The
 * cluster only carries them; both ends are this class. A request:
 * {@code {"requestId":..,"mode":"APPLY","objects":[{kind,name,spec}]}} or
 * {@code {"requestId":..,"delete":{"kind":..,"name":..}}}; an answer: {@code {"index":N,"objects":[{kind,name,
 * effect,revision}]}} or {@code {"error":{"status":409,"code":..,"message":..,"violations":[{path,message}]}}}.
 */
final class ForwardCodec {
    private final ObjectMapper json;

    ForwardCodec(ObjectMapper json) {
        this.json = json;
    }

    byte[] encode(WriteJob job) {
        ObjectNode n = json.createObjectNode();
        n.put("requestId", job.requestId());
        if (job.delete() != null) {
            n.putObject("delete").put("kind", job.delete().kind()).put("name", job.delete().name());
        } else {
            n.put("mode", job.mode().name());
            ArrayNode objects = n.putArray("objects");
            for (ConfigObject o : job.objects()) {
                ObjectNode on = objects.addObject().put("kind", o.kind()).put("name", o.name());
                on.set("spec", o.spec());
            }
        }
        return bytes(n);
    }

    /** Reads a forwarded request; the leader's own {@code timeout} replaces the sender's. */
    WriteJob decodeJob(byte[] bytes, Duration timeout) throws ConfigException {
        try {
            JsonNode n = json.readTree(bytes);
            String id = text(n, "requestId");
            JsonNode delete = n.get("delete");
            if (delete != null) {
                return WriteJob.delete(id, text(delete, "kind"), text(delete, "name"), timeout);
            }
            WriteMode mode = WriteMode.valueOf(text(n, "mode"));
            List<ConfigObject> objects = new ArrayList<>();
            for (JsonNode o : n.path("objects")) {
                if (!o.path("spec").isObject()) {
                    throw new IOException("an object has no spec");
                }
                objects.add(new ConfigObject(text(o, "kind"), text(o, "name"), (ObjectNode) o.get("spec"), 0));
            }
            return WriteJob.write(id, mode, objects, false, timeout);
        } catch (IOException | IllegalArgumentException | NullPointerException e) {
            throw ConfigException.invalid("$", "the forwarded write request cannot be read: " + e.getMessage());
        }
    }

    byte[] encodeOutcome(Outcome outcome) {
        ObjectNode n = json.createObjectNode();
        n.put("index", outcome.index());
        ArrayNode objects = n.putArray("objects");
        for (Outcome.ObjectOutcome o : outcome.objects()) {
            objects.addObject().put("kind", o.kind()).put("name", o.name()).put("effect", o.effect().name())
                    .put("revision", o.revision());
        }
        return bytes(n);
    }

    byte[] encodeError(ConfigException e) {
        ObjectNode n = json.createObjectNode();
        ObjectNode err = n.putObject("error");
        err.put("status", e.status()).put("code", e.code()).put("message", e.getMessage());
        ArrayNode violations = err.putArray("violations");
        e.violations().forEach(v -> violations.addObject().put("path", v.path()).put("message", v.message()));
        return bytes(n);
    }

    /**
     * Reads the leader's answer: the outcome, or the refusal it carries.
     *
     * @throws ConfigException the leader's refusal, or 503 when the answer cannot be read
     */
    Outcome decodeAnswer(byte[] bytes) throws ConfigException {
        JsonNode n;
        try {
            n = json.readTree(bytes);
        } catch (IOException e) {
            throw Failures.unavailable("the leader's answer cannot be read: " + e.getMessage());
        }
        JsonNode err = n == null ? null : n.get("error");
        if (err != null) {
            List<Violation> violations = new ArrayList<>();
            err.path("violations").forEach(v -> violations.add(new Violation(v.path("path").asText(),
                    v.path("message").asText())));
            throw new ConfigException(err.path("status").asInt(500), err.path("code").asText(ConfigException.UNAVAILABLE),
                    err.path("message").asText(), violations);
        }
        if (n == null || !n.path("index").isNumber()) {
            throw Failures.unavailable("the leader's answer has no index");
        }
        List<Outcome.ObjectOutcome> objects = new ArrayList<>();
        for (JsonNode o : n.path("objects")) {
            Outcome.Effect effect;
            try {
                effect = Outcome.Effect.valueOf(o.path("effect").asText());
            } catch (IllegalArgumentException e) {
                throw Failures.unavailable("the leader's answer names an unknown effect " + o.path("effect"));
            }
            objects.add(new Outcome.ObjectOutcome(o.path("kind").asText(), o.path("name").asText(), effect,
                    o.path("revision").asLong()));
        }
        return new Outcome(n.get("index").asLong(), objects);
    }

    private static String text(JsonNode n, String field) throws IOException {
        JsonNode v = n == null ? null : n.get(field);
        if (v == null || !v.isTextual()) {
            throw new IOException("'" + field + "' is missing");
        }
        return v.textValue();
    }

    private byte[] bytes(JsonNode n) {
        try {
            return json.writeValueAsBytes(n);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
