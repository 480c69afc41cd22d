package io.gatehouse.core.internal.config;

import com.fasterxml.jackson.databind.DatabindException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.InvalidNullException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.PropertyBindingException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import io.gatehouse.api.config.Violation;
import java.io.IOException;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Binds a JSON tree to a spec type and turns Jackson's failures into {@link Violation}s at the JSON path
 * of the offending field ({@code $.spec.rules[1].pathRegex}), with a reason a person can act on.
 */
public final class SpecBinder {
    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_$][A-Za-z0-9_$-]*");

    private final ObjectMapper mapper;

    public SpecBinder(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /**
     * Binds {@code node} to {@code type}; on failure adds one violation to {@code sink} and returns null.
     *
     * @param basePath the JSON path of {@code node}, for example {@code $.spec}
     */
    public <T> T bind(JsonNode node, Class<T> type, String basePath, List<Violation> sink) {
        try {
            return mapper.treeToValue(node, type);
        } catch (DatabindException e) {
            sink.add(violation(basePath, e));
            return null;
        } catch (IOException | RuntimeException e) {
            sink.add(new Violation(basePath, "cannot be read: " + ParseMessages.describe(e.getMessage())));
            return null;
        }
    }

    static Violation violation(String basePath, DatabindException e) {
        List<JsonMappingException.Reference> refs = e instanceof JsonMappingException jme ? jme.getPath() : List.of();
        String path = path(basePath, refs);
        if (e instanceof PropertyBindingException pbe) {
            Collection<Object> known = pbe.getKnownPropertyIds();
            String list = known == null || known.isEmpty() ? ""
                    : "; known fields: " + new TreeSet<>(known.stream().map(String::valueOf).toList()).stream()
                    .collect(Collectors.joining(", "));
            return new Violation(path, "unknown field" + list);
        }
        if (e instanceof InvalidNullException) {
            return new Violation(path, "must not be null");
        }
        if (e instanceof InvalidFormatException ife) {
            return new Violation(path, "expected " + describe(ife.getTargetType()) + ", got " + show(ife.getValue()));
        }
        if (e instanceof ValueInstantiationException vie) {
            Throwable cause = vie.getCause() != null ? vie.getCause() : vie;
            return new Violation(path, "is not valid: " + ParseMessages.describe(cause.getMessage()));
        }
        if (e instanceof MismatchedInputException mie && mie.getTargetType() != null) {
            return new Violation(path, "expected " + describe(mie.getTargetType()));
        }
        return new Violation(path, "is not valid: " + ParseMessages.describe(e.getOriginalMessage()));
    }

    /** Appends Jackson's reference chain to a base path. */
    public static String path(String basePath, List<JsonMappingException.Reference> refs) {
        StringBuilder b = new StringBuilder(basePath);
        for (JsonMappingException.Reference r : refs) {
            String field = r.getFieldName();
            if (field != null) {
                appendField(b, field);
            } else if (r.getIndex() >= 0) {
                b.append('[').append(r.getIndex()).append(']');
            }
        }
        return b.toString();
    }

    /** Appends {@code .field}, or {@code ['field']} when the name is not a plain identifier. */
    public static void appendField(StringBuilder b, String field) {
        if (IDENTIFIER.matcher(field).matches()) {
            b.append('.').append(field);
        } else {
            b.append("['").append(field.replace("'", "\\'")).append("']");
        }
    }

    static String describe(Class<?> type) {
        if (type == null) {
            return "another value";
        }
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class
                || type == Short.class || type == short.class || type == Byte.class || type == byte.class) {
            return "an integer";
        }
        if (Number.class.isAssignableFrom(type) || type == double.class || type == float.class) {
            return "a number";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (type == String.class || CharSequence.class.isAssignableFrom(type)) {
            return "a string";
        }
        if (type.isEnum()) {
            return "one of " + Arrays.stream(type.getEnumConstants()).map(String::valueOf)
                    .collect(Collectors.joining(", "));
        }
        if (type.isArray() || Collection.class.isAssignableFrom(type)) {
            return "a list";
        }
        if (Map.class.isAssignableFrom(type) || JsonNode.class.isAssignableFrom(type)) {
            return "an object";
        }
        return "an object";
    }

    private static String show(Object value) {
        if (value instanceof String s) {
            return "\"" + (s.length() > 60 ? s.substring(0, 60) + "..." : s) + "\"";
        }
        return String.valueOf(value);
    }
}
