package io.gatehouse.core.internal.config;

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
 * A document is read only if it means exactly what a person reading it sees: valid UTF-8 text, no YAML
 * construct the JSON data model cannot carry (aliases, anchors, tags), no number that would not survive
 * being written back, nothing nested deeper than {@value #MAX_DEPTH} levels.
 */
public final class ConfigCodec {
    /**
     * Fields reads and writes add ({@code revision}, {@code status}, {@code change}): accepted on input and
     * ignored, so what the API returns can be sent back.
     */
    private static final Set<String> IGNORED = Set.of("revision", "status", "change");
    /** Deepest nesting of an object's values (the object itself is level 1). */
    static final int MAX_DEPTH = 64;

    private final Json mappers;
    private final YamlScreen yamlScreen;

    public ConfigCodec(Json mappers) {
        this.mappers = mappers;
        this.yamlScreen = new YamlScreen(mappers.yamlOptions());
    }

    /**
     * Reads a document: one object, a JSON array of objects or a YAML stream (one object per document, or a
     * single document holding a list of objects). See {@link DocumentText} and {@link YamlScreen} for what
     * is refused before the parser reads anything.
     */
    public List<ConfigObject> parse(byte[] document, ConfigFormat format) throws ConfigException {
        return objects(read(document, format));
    }

    /** Reads a document that must hold exactly one object: not an array (even of one), not a stream. */
    public ConfigObject parseObject(byte[] document, ConfigFormat format) throws ConfigException {
        Read read = read(document, format);
        if (read.notOne() != null) {
            throw ConfigException.invalid("$", "must be one object, not " + read.notOne());
        }
        return objects(read).get(0);
    }

    private List<ConfigObject> objects(Read read) throws ConfigException {
        List<JsonNode> nodes = read.nodes();
        if (nodes.isEmpty()) {
            throw ConfigException.invalid("$", "the document holds no objects");
        }
        List<Violation> sink = new ArrayList<>();
        List<ConfigObject> objects = new ArrayList<>(nodes.size());
        for (int i = 0; i < nodes.size(); i++) {
            String prefix = ObjectKinds.prefix(i, read.indexed());
            int before = sink.size();
            values(nodes.get(i), prefix, 1, sink);
            ConfigObject o = toObject(nodes.get(i), prefix, sink);
            if (o != null && sink.size() == before) {
                objects.add(o);
            }
        }
        if (!sink.isEmpty()) {
            throw ConfigException.invalid(sink);
        }
        return List.copyOf(objects);
    }

    /**
     * The documents read; {@code indexed} when paths carry the position ({@code $[i]}), {@code notOne}
     * says what the document is when it is not exactly one object (null when it is).
     */
    private record Read(List<JsonNode> nodes, boolean indexed, String notOne) {
    }

    private Read read(byte[] document, ConfigFormat format) throws ConfigException {
        if (document == null || document.length == 0) {
            throw ConfigException.invalid("$", "the document is empty");
        }
        String text = DocumentText.decode(document);
        try {
            return format == ConfigFormat.YAML ? yamlDocument(text) : jsonDocument(text);
        } catch (JsonProcessingException e) {
            throw ConfigException.invalid("$", ParseMessages.syntax(e));
        } catch (IOException e) {
            throw ConfigException.invalid("$", "cannot be read: " + ParseMessages.clean(e.getMessage()));
        }
    }

    private Read jsonDocument(String text) throws IOException {
        JsonNode root = mappers.json().readTree(text);
        if (root == null || root.isMissingNode()) {
            return new Read(List.of(), false, "an empty document");
        }
        if (root instanceof ArrayNode array) {
            List<JsonNode> nodes = new ArrayList<>();
            array.forEach(nodes::add);
            return new Read(nodes, true, "an array");
        }
        return new Read(List.of(root), false, null);
    }

    private Read yamlDocument(String text) throws IOException, ConfigException {
        refuseScreened(yamlScreen.screen(text));
        List<JsonNode> nodes = new ArrayList<>();
        try (JsonParser parser = mappers.yaml().getFactory().createParser(text);
             MappingIterator<JsonNode> it = mappers.yaml().readerFor(JsonNode.class).readValues(parser)) {
            while (it.hasNextValue()) {
                JsonNode n = it.nextValue();
                if (n != null && !n.isNull() && !n.isMissingNode() && !(n.isTextual() && n.textValue().isEmpty())) {
                    nodes.add(n);
                }
            }
        }
        if (nodes.size() == 1 && nodes.get(0) instanceof ArrayNode array) {
            List<JsonNode> items = new ArrayList<>();
            array.forEach(items::add);
            return new Read(items, true, "a list");
        }
        return new Read(nodes, nodes.size() > 1, nodes.size() == 1 ? null
                : nodes.isEmpty() ? "an empty document" : "a stream of " + nodes.size() + " documents");
    }

    /** Throws what the screen found, at the path each finding has in the stream's objects. */
    private static void refuseScreened(YamlScreen.Result screen) throws ConfigException {
        List<YamlScreen.Root> roots = screen.documents();
        List<Integer> rank = new ArrayList<>();
        int objects = 0;
        for (YamlScreen.Root root : roots) {
            rank.add(root == YamlScreen.Root.EMPTY ? -1 : objects++);
        }
        boolean stream = objects > 1;
        List<Violation> refused = new ArrayList<>();
        for (YamlScreen.Finding f : screen.findings()) {
            int r = f.document() >= 0 && f.document() < rank.size() ? rank.get(f.document()) : -1;
            refused.add(new Violation((stream && r >= 0 ? "$[" + r + "]" : "$") + f.path(), f.message()));
        }
        for (int d = 0; d < roots.size() && stream; d++) {
            if (roots.get(d) == YamlScreen.Root.SEQUENCE) {
                refused.add(new Violation("$[" + rank.get(d) + "]", "a list of objects must be the only document"
                        + " of a YAML stream; with several documents, write one object per document"));
            }
        }
        if (!refused.isEmpty()) {
            throw ConfigException.invalid(refused);
        }
    }

    /** Values the JSON data model cannot carry back out: numbers beyond a double, nesting too deep. */
    private static void values(JsonNode node, String path, int depth, List<Violation> sink) {
        if (sink.size() >= YamlScreen.MAX_FINDINGS) {
            return;
        }
        if (depth > MAX_DEPTH) {
            sink.add(new Violation(path, "is nested deeper than " + MAX_DEPTH + " levels"));
            return;
        }
        if (node instanceof ObjectNode object) {
            Iterator<Map.Entry<String, JsonNode>> fields = object.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> field = fields.next();
                StringBuilder p = new StringBuilder(path);
                SpecBinder.appendField(p, field.getKey());
                values(field.getValue(), p.toString(), depth + 1, sink);
            }
        } else if (node instanceof ArrayNode array) {
            for (int i = 0; i < array.size(); i++) {
                values(array.get(i), path + "[" + i + "]", depth + 1, sink);
            }
        } else if (node.isFloatingPointNumber() && !Double.isFinite(node.doubleValue())) {
            sink.add(new Violation(path, "is too large a number (at most about 1.8e308)"));
        } else if (node.isBinary()) {
            sink.add(new Violation(path, "binary data is not accepted: write a string"));
        }
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

    /**
     * The applied state as snapshot JSON: {@code {"objects":[{kind,name,spec,revision},...],
     * "requests":[{id,index,objects:[{kind,name,effect,revision}]},...]}}, requests oldest first.
     */
    public byte[] encodeState(Iterable<ConfigObject> objects, List<Map.Entry<String, Outcome>> requests) {
        ObjectNode root = mappers.json().createObjectNode();
        ArrayNode list = root.putArray("objects");
        for (ConfigObject o : objects) {
            ObjectNode n = list.addObject();
            n.put("kind", o.kind());
            n.put("name", o.name());
            n.set("spec", o.spec());
            n.put("revision", o.revision());
        }
        ArrayNode ids = root.putArray("requests");
        for (Map.Entry<String, Outcome> e : requests) {
            ObjectNode n = ids.addObject();
            n.put("id", e.getKey());
            n.put("index", e.getValue().index());
            ArrayNode changes = n.putArray("objects");
            for (Outcome.ObjectOutcome o : e.getValue().objects()) {
                changes.addObject().put("kind", o.kind()).put("name", o.name()).put("effect", o.effect().name())
                        .put("revision", o.revision());
            }
        }
        try {
            return mappers.json().writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A decoded snapshot: the objects and the request outcomes (oldest first). */
    public record State(List<ConfigObject> objects, List<Map.Entry<String, Outcome>> requests) {
    }

    public State decodeState(byte[] state) throws IOException {
        JsonNode root = mappers.json().readTree(state);
        JsonNode list = root == null ? null : root.get("objects");
        if (list == null || !list.isArray()) {
            throw new IOException("snapshot has no objects array");
        }
        List<ConfigObject> out = new ArrayList<>();
        for (JsonNode n : list) {
            out.add(fromStored(n, n.path("revision").asLong(0)));
        }
        List<Map.Entry<String, Outcome>> requests = new ArrayList<>();
        for (JsonNode n : root.path("requests")) {
            List<Outcome.ObjectOutcome> objects = new ArrayList<>();
            for (JsonNode o : n.path("objects")) {
                Outcome.Effect effect;
                try {
                    effect = Outcome.Effect.valueOf(o.path("effect").asText());
                } catch (IllegalArgumentException e) {
                    throw new IOException("snapshot request " + n.path("id").asText() + " has an unknown effect", e);
                }
                objects.add(new Outcome.ObjectOutcome(o.path("kind").asText(), o.path("name").asText(), effect,
                        o.path("revision").asLong()));
            }
            requests.add(Map.entry(n.path("id").asText(), new Outcome(n.path("index").asLong(), objects)));
        }
        return new State(out, requests);
    }

    /** Parses a JSON text (a plugin kind's schema). */
    public JsonNode readJson(String text) throws IOException {
        return mappers.json().readTree(text);
    }
}
