package io.gatehouse.testkit;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.cfg.MapperBuilder;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.InvalidNullException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.PropertyBindingException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.gatehouse.api.config.Violation;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Reads a spec text (JSON, or YAML when it does not start with a brace) and binds it to a spec type with the
 * gateway's strictness: unknown fields, duplicate keys, trailing tokens, null for primitives and type
 * coercions (string to number or boolean, float to int) are refused. Failures become one {@link Violation}
 * at the JSON path of the offending field, relative to the spec ({@code $.pools[0].servers[1].url}).
 */
final class SpecReader {
    private static final Pattern PLAIN_NAME = Pattern.compile("[A-Za-z_$][A-Za-z0-9_$-]*");
    private static final Set<Class<?>> INTEGERS = Set.of(byte.class, short.class, int.class, long.class,
            Byte.class, Short.class, Integer.class, Long.class, BigInteger.class);
    private static final LogicalType[] NOT_FROM_STRINGS = {LogicalType.Integer, LogicalType.Float, LogicalType.Boolean};

    private final ObjectMapper json;
    private final ObjectMapper yaml;

    SpecReader() {
        json = strict(JsonMapper.builder(JsonFactory.builder()
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build()));
        yaml = strict(YAMLMapper.builder(YAMLFactory.builder()
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build()));
    }

    private static <M extends ObjectMapper, B extends MapperBuilder<M, B>> M strict(B builder) {
        builder.enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES,
                DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        builder.disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);
        for (LogicalType type : NOT_FROM_STRINGS) {
            builder.withCoercionConfig(type, c -> c.setCoercion(CoercionInputShape.String, CoercionAction.Fail));
        }
        builder.withCoercionConfig(LogicalType.Boolean, c -> c.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail));
        return builder.build();
    }

    /**
     * Parses {@code text}; on failure adds a violation at {@code $} and returns null. Blank text and
     * {@code null} read as a null node (no spec).
     */
    JsonNode parse(String text, List<Violation> sink) {
        boolean isJson = text.strip().startsWith("{") || text.strip().startsWith("[");
        try {
            JsonNode node = (isJson ? json : yaml).readTree(text);
            return node == null || node.isMissingNode() ? json.nullNode() : node;
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
            sink.add(new Violation("$", "is not valid " + (isJson ? "JSON" : "YAML") + ": "
                    + firstLine(e.getOriginalMessage()) + where));
            return null;
        }
    }

    /** Binds a parsed spec; on failure adds a violation and returns null. */
    <S> S bind(JsonNode node, Class<S> type, List<Violation> sink) {
        try {
            return json.treeToValue(node, type);
        } catch (JsonMappingException e) {
            sink.add(new Violation(path(e.getPath()), reason(e)));
        } catch (JsonProcessingException | IllegalArgumentException e) {
            sink.add(new Violation("$", "cannot be read: " + firstLine(e.getMessage())));
        }
        return null;
    }

    /** {@code $} followed by Jackson's reference chain: {@code .field}, {@code ['odd name']}, {@code [2]}. */
    static String path(List<JsonMappingException.Reference> chain) {
        StringBuilder path = new StringBuilder("$");
        for (JsonMappingException.Reference ref : chain) {
            String name = ref.getFieldName();
            if (name == null) {
                if (ref.getIndex() >= 0) {
                    path.append('[').append(ref.getIndex()).append(']');
                }
            } else if (PLAIN_NAME.matcher(name).matches()) {
                path.append('.').append(name);
            } else {
                path.append("['").append(name.replace("'", "\\'")).append("']");
            }
        }
        return path.toString();
    }

    private static String reason(JsonMappingException e) {
        if (e instanceof PropertyBindingException unknown) {
            Collection<Object> known = unknown.getKnownPropertyIds();
            return "unknown field" + (known == null || known.isEmpty() ? ""
                    : "; known fields: " + String.join(", ", new TreeSet<>(known.stream().map(String::valueOf).toList())));
        } else if (e instanceof InvalidNullException) {
            return "must not be null";
        } else if (e instanceof InvalidFormatException format) {
            Object value = format.getValue();
            return "expected " + expected(format.getTargetType()) + ", got "
                    + (value instanceof String s ? "\"" + s + "\"" : String.valueOf(value));
        } else if (e instanceof ValueInstantiationException creation) {
            return "is not valid: " + (creation.getCause() == null ? firstLine(e.getOriginalMessage())
                    : creation.getCause().getMessage());
        } else if (e instanceof MismatchedInputException mismatch && mismatch.getTargetType() != null) {
            String original = e.getOriginalMessage();
            boolean absent = original != null && original.startsWith("Cannot map `null`");
            return (absent ? "is required: " : "") + "expected " + expected(mismatch.getTargetType());
        }
        return "is not valid: " + firstLine(e.getOriginalMessage());
    }

    /** What a value of {@code type} looks like in a spec, for messages. */
    static String expected(Class<?> type) {
        if (type.isEnum()) {
            return "one of " + Arrays.stream(type.getEnumConstants()).map(String::valueOf).collect(Collectors.joining(", "));
        } else if (INTEGERS.contains(type)) {
            return "an integer";
        } else if (type == double.class || type == float.class || Number.class.isAssignableFrom(type)) {
            return "a number";
        } else if (type == boolean.class || type == Boolean.class) {
            return "true or false";
        } else if (CharSequence.class.isAssignableFrom(type)) {
            return "a string";
        } else if (type.isArray() || Collection.class.isAssignableFrom(type)) {
            return "a list";
        }
        return "an object";
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unknown error";
        }
        int end = message.indexOf('\n');
        return (end < 0 ? message : message.substring(0, end)).trim();
    }
}
