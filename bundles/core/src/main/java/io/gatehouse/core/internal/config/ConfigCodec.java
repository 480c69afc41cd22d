package io.gatehouse.core.internal.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gatehouse.api.config.ConfigException;
import io.gatehouse.api.config.ConfigFormat;
import io.gatehouse.api.config.ConfigObject;
import io.gatehouse.api.config.Violation;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads documents into {@link ConfigObject}s and writes objects and state as JSON (log payloads and
 * snapshots). Syntax errors carry their line and column; structural errors the JSON path of the field.
 */
public final class ConfigCodec {
    /**
     * Fields reads and writes add ({@code revision}, {@code status}, {@code change}): accepted on input and
     * ignored, so what the API returns can be sent back.
     */
    private static final Set<String> IGNORED = Set.of("revision", "status", "change");

    private final Json mappers;

    public ConfigCodec(Json mappers) {
        this.mappers = mappers;
    }

    public List<ConfigObject> parse(byte[] document, ConfigFormat format) throws ConfigException {
        if (document == null || document.length == 0) {
            throw ConfigException.invalid("$", "the document is empty");
        }
        List<JsonNode> nodes = new ArrayList<>();
        boolean indexed;
        try {
            if (format == ConfigFormat.YAML) {
                indexed = readYaml(document, nodes);
            } else {
                indexed = readJson(document, nodes);
            }
        } catch (JsonProcessingException e) {
            throw ConfigException.invalid("$", syntaxMessage(e));
        } catch (IOException e) {
            throw ConfigException.invalid("$", "cannot be read: " + e.getMessage());
        }
        if (nodes.isEmpty()) {
            throw ConfigException.invalid("$", "the document holds no objects");
        }
        List<Violation> sink = new ArrayList<>();
        List<ConfigObject> objects = new ArrayList<>(nodes.size());
        for (int i = 0; i < nodes.size(); i++) {
            ConfigObject o = toObject(nodes.get(i), ObjectKinds.prefix(i, indexed), sink);
            if (o != null) {
                objects.add(o);
            }
        }
        if (!sink.isEmpty()) {
            throw ConfigException.invalid(sink);
        }
        return List.copyOf(objects);
    }

    private boolean readJson(byte[] document, List<JsonNode> nodes) throws IOException {
        JsonNode root = mappers.json().readTree(document);
        if (root == null || root.isMissingNode()) {
            return false;
        }
        if (root instanceof ArrayNode array) {
            array.forEach(nodes::add);
            return true;
        }
        nodes.add(root);
        return false;
    }

    private boolean readYaml(byte[] document, List<JsonNode> nodes) throws IOException {
        int documents = 0;
        try (JsonParser parser = mappers.yaml().getFactory().createParser(document);
             MappingIterator<JsonNode> it = mappers.yaml().readerFor(JsonNode.class).readValues(parser)) {
            while (it.hasNextValue()) {
                JsonNode n = it.nextValue();
                documents++;
                if (n == null || n.isNull() || n.isMissingNode() || (n.isTextual() && n.textValue().isEmpty())) {
                    continue;
                }
                if (n instanceof ArrayNode array && documents == 1) {
                    array.forEach(nodes::add);
                    return true;
                }
                nodes.add(n);
            }
        }
        return nodes.size() > 1;
    }

    static String syntaxMessage(JsonProcessingException e) {
        JsonLocation loc = e.getLocation();
        String what = summary(e.getOriginalMessage());
        if (loc == null || loc.getLineNr() < 0) {
            return "syntax error: " + what;
        }
        return "syntax error at line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ": " + what;
    }

    /**
     * The gist of a parser message: Jackson's first line, or for SnakeYAML's multi-line messages
     * ("context / excerpt / problem / excerpt") the problem followed by its context.
     */
    static String summary(String message) {
        if (message == null) {
            return "unknown error";
        }
        List<String> lines = new ArrayList<>();
        for (String line : message.split("\n")) {
            if (!line.isBlank() && !Character.isWhitespace(line.charAt(0))) {
                lines.add(line.trim());
            }
        }
        if (lines.isEmpty()) {
            return message.trim();
        }
        if (lines.size() == 1) {
            return lines.get(0);
        }
        return lines.get(lines.size() - 1) + " (" + lines.get(0) + ")";
    }

    /** Checks the envelope of one object ({@code kind}, {@code name}, {@code spec}). */
    ConfigObject toObject(JsonNode node, String prefix, List<Violation> sink) {
        if (!(node instanceof ObjectNode obj)) {
            sink.add(new Violation(prefix, "must be an object with kind, name and spec"));
            return null;
        }
        int before = sink.size();
        String kind = text(obj, "kind", prefix, sink);
        if (kind != null && !ObjectKinds.known(kind)) {
            sink.add(new Violation(prefix + ".kind", ObjectKinds.unknownKindMessage(kind)));
        }
        String name = text(obj, "name", prefix, sink);
        if (name != null && !ObjectKinds.NAME.matcher(name).matches()) {
            sink.add(new Violation(prefix + ".name", ObjectKinds.NAME_RULE));
        }
        JsonNode spec = obj.get("spec");
        if (spec == null || spec.isNull()) {
            sink.add(new Violation(prefix + ".spec", "is required"));
        } else if (!spec.isObject()) {
            sink.add(new Violation(prefix + ".spec", "must be an object"));
        }
        Iterator<Map.Entry<String, JsonNode>> fields = obj.fields();
        while (fields.hasNext()) {
            String f = fields.next().getKey();
            if (!f.equals("kind") && !f.equals("name") && !f.equals("spec") && !IGNORED.contains(f)) {
                StringBuilder p = new StringBuilder(prefix);
                SpecBinder.appendField(p, f);
                sink.add(new Violation(p.toString(), "unknown field; an object has kind, name and spec"));
            }
        }
        if (sink.size() > before) {
            return null;
        }
        return new ConfigObject(kind, name, ((ObjectNode) spec).deepCopy(), 0);
    }

    private static String text(ObjectNode obj, String field, String prefix, List<Violation> sink) {
        JsonNode n = obj.get(field);
        if (n == null || n.isNull()) {
            sink.add(new Violation(prefix + "." + field, "is required"));
            return null;
        }
        if (!n.isTextual()) {
            sink.add(new Violation(prefix + "." + field, "must be a string"));
            return null;
        }
        return n.textValue();
    }

    /** An object as a log payload: {@code {"kind":..,"name":..,"spec":{..}}}. */
    public byte[] encode(ConfigObject o) {
        ObjectNode n = mappers.json().createObjectNode();
        n.put("kind", o.kind());
        n.put("name", o.name());
        n.set("spec", o.spec());
        try {
            return mappers.json().writeValueAsBytes(n);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads a log payload back; {@code revision} is the entry's index. */
    public ConfigObject decode(byte[] payload, long revision) throws IOException {
        JsonNode n = mappers.json().readTree(payload);
        return fromStored(n, revision);
    }

    private static ConfigObject fromStored(JsonNode n, long revision) throws IOException {
        if (n == null || !n.path("kind").isTextual() || !n.path("name").isTextual() || !n.path("spec").isObject()) {
            throw new IOException("stored object is not {kind, name, spec}");
        }
        return new ConfigObject(n.get("kind").textValue(), n.get("name").textValue(), (ObjectNode) n.get("spec"),
                revision);
    }

    /** The whole state as snapshot JSON: {@code {"objects":[{kind,name,spec,revision},...]}}. */
    public byte[] encodeState(Iterable<ConfigObject> objects) {
        ObjectNode root = mappers.json().createObjectNode();
        ArrayNode list = root.putArray("objects");
        for (ConfigObject o : objects) {
            ObjectNode n = list.addObject();
            n.put("kind", o.kind());
            n.put("name", o.name());
            n.set("spec", o.spec());
            n.put("revision", o.revision());
        }
        try {
            return mappers.json().writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    public List<ConfigObject> decodeState(byte[] state) throws IOException {
        JsonNode root = mappers.json().readTree(state);
        JsonNode list = root == null ? null : root.get("objects");
        if (list == null || !list.isArray()) {
            throw new IOException("snapshot has no objects array");
        }
        List<ConfigObject> out = new ArrayList<>();
        for (JsonNode n : list) {
            out.add(fromStored(n, n.path("revision").asLong(0)));
        }
        return out;
    }

    /** Parses a JSON text (a plugin kind's schema). */
    public JsonNode readJson(String text) throws IOException {
        return mappers.json().readTree(text);
    }
}
