package io.gatehouse.admin.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SequenceWriter;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import io.gatehouse.api.config.ConfigObject;
import io.gatehouse.api.config.ObjectStatus;
import io.gatehouse.api.config.PluginKindInfo;
import io.gatehouse.api.config.Violation;
import io.gatehouse.api.config.WriteResult;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Turns API values into JSON trees and trees into JSON or YAML bytes. Field order is fixed here, so every
 * endpoint renders objects, kinds and errors the same way. Thread-safe (the mappers are only used to write).
 */
final class Rendering {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final ObjectMapper json = new ObjectMapper();
    // plain scalars where safe; strings that would read back as numbers or booleans stay quoted
    private final ObjectMapper yaml = new ObjectMapper(YAMLFactory.builder()
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
            .build());

    /** {@code {"kind","name","spec","revision","status"}}; status and revision are ignored when sent back. */
    ObjectNode object(ConfigObject object, ObjectStatus status) {
        ObjectNode node = NODES.objectNode();
        node.put("kind", object.kind());
        node.put("name", object.name());
        node.set("spec", object.spec());
        node.put("revision", object.revision());
        node.set("status", status(status));
        return node;
    }

    /**
     * An object as a write left it: {@link #object} plus {@code "change"}, {@code created}, {@code updated} or
     * {@code unchanged} (ignored when sent back, like revision and status).
     */
    ObjectNode written(WriteResult result, ObjectStatus status) {
        ObjectNode node = object(result.object(), status);
        node.put("change", result.change().name().toLowerCase(Locale.ROOT));
        return node;
    }

    ArrayNode written(List<WriteResult> results, Function<ConfigObject, ObjectStatus> status) {
        ArrayNode array = NODES.arrayNode();
        results.forEach(r -> array.add(written(r, status.apply(r.object()))));
        return array;
    }

    ArrayNode objects(List<ConfigObject> objects, Function<ConfigObject, ObjectStatus> status) {
        ArrayNode array = NODES.arrayNode();
        objects.forEach(o -> array.add(object(o, status.apply(o))));
        return array;
    }

    /** {@code {"ready":true}} or {@code {"ready":false,"reason":"..."}}. */
    ObjectNode status(ObjectStatus status) {
        ObjectNode node = NODES.objectNode();
        node.put("ready", status.ready());
        if (!status.ready()) {
            node.put("reason", status.reason());
        }
        return node;
    }

    ObjectNode kind(PluginKindInfo kind) {
        ObjectNode node = NODES.objectNode();
        node.put("name", kind.name());
        node.put("description", kind.description());
        ArrayNode results = node.putArray("results");
        kind.results().forEach(results::add);
        node.set("schema", kind.schema() == null ? NODES.nullNode() : kind.schema());
        node.put("bundle", kind.bundle());
        node.put("version", kind.version());
        return node;
    }

    ObjectNode error(int status, String code, String message, List<Violation> violations) {
        ObjectNode node = NODES.objectNode();
        node.put("status", status);
        node.put("error", code);
        node.put("message", message);
        ArrayNode list = node.putArray("violations");
        for (Violation v : violations) {
            list.addObject().put("path", v.path()).put("message", v.message());
        }
        return node;
    }

    /** The error code used when only an HTTP status is known (errors raised by Jetty itself). */
    static String codeFor(int status) {
        return switch (status) {
            case 400 -> "bad_request";
            case 404 -> "not_found";
            case 405 -> "method_not_allowed";
            case 408 -> "request_timeout";
            case 409 -> "conflict";
            case 411 -> "length_required";
            case 413 -> "payload_too_large";
            case 414 -> "uri_too_long";
            case 415 -> "unsupported_media_type";
            case 417 -> "expectation_failed";
            case 426 -> "upgrade_required";
            case 431 -> "header_too_large";
            case 501 -> "not_implemented";
            case 503 -> "unavailable";
            case 505 -> "http_version_not_supported";
            default -> status >= 500 ? "internal" : "error";
        };
    }

    byte[] json(JsonNode node) {
        try {
            return json.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot render JSON", e);
        }
    }

    /**
     * YAML bytes. With {@code documents}, an array is written as a multi-document stream (one object per
     * {@code ---} document), which POST /api/v1/objects and /api/v1/apply accept back as is.
     */
    byte[] yaml(JsonNode node, boolean documents) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (documents && node.isArray()) {
                try (SequenceWriter writer = yaml.writer().writeValues(out)) {
                    for (JsonNode element : node) {
                        writer.write(element);
                    }
                }
            } else {
                yaml.writeValue(out, node);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot render YAML", e);
        }
        return out.toByteArray();
    }
}
