package io.gatehouse.testkit;

import io.gatehouse.api.plugin.Headers;
import io.gatehouse.api.plugin.HttpRequests;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;

/**
 * Test double of {@link Headers} with the documented semantics: an ordered list of fields, names compared
 * case-insensitively, values of the same name kept in order, {@link #names()} in the case first seen.
 *
 * <p>It refuses what cannot go on the wire with the gateway's own rule ({@link HttpRequests#checkField}): a
 * name that is not an HTTP token and a value with a control character ({@link IllegalArgumentException}).
 * Headers of a committed {@link FakeResponse} are read-only ({@link IllegalStateException}). Iteration works
 * on a snapshot, so a plugin may change the headers while it iterates.
 */
public final class FakeHeaders implements Headers {
    private final List<Map.Entry<String, String>> fields = new ArrayList<>();
    private final BooleanSupplier readOnly;

    /** Empty, writable headers. */
    public FakeHeaders() {
        this(() -> false);
    }

    /** Headers that refuse changes while {@code readOnly} says so (a committed response). */
    FakeHeaders(BooleanSupplier readOnly) {
        this.readOnly = readOnly;
    }

    @Override
    public String get(String name) {
        for (Map.Entry<String, String> field : fields) {
            if (field.getKey().equalsIgnoreCase(name)) {
                return field.getValue();
            }
        }
        return null;
    }

    @Override
    public List<String> getAll(String name) {
        List<String> all = new ArrayList<>();
        fields.stream().filter(f -> f.getKey().equalsIgnoreCase(name)).forEach(f -> all.add(f.getValue()));
        return all;
    }

    @Override
    public boolean contains(String name) {
        return get(name) != null;
    }

    @Override
    public boolean contains(String name, String value, boolean ignoreCase) {
        return getAll(name).stream().anyMatch(v -> ignoreCase ? v.equalsIgnoreCase(value) : v.equals(value));
    }

    @Override
    public FakeHeaders set(String name, String value) {
        checkWritable();
        checkField(name, value);
        fields.removeIf(f -> f.getKey().equalsIgnoreCase(name));
        fields.add(new AbstractMap.SimpleImmutableEntry<>(name, value));
        return this;
    }

    @Override
    public FakeHeaders add(String name, String value) {
        checkWritable();
        checkField(name, value);
        fields.add(new AbstractMap.SimpleImmutableEntry<>(name, value));
        return this;
    }

    @Override
    public FakeHeaders remove(String name) {
        checkWritable();
        fields.removeIf(f -> f.getKey().equalsIgnoreCase(name));
        return this;
    }

    @Override
    public Set<String> names() {
        Set<String> seen = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        Set<String> names = new LinkedHashSet<>();
        for (Map.Entry<String, String> field : fields) {
            if (seen.add(field.getKey())) {
                names.add(field.getKey());
            }
        }
        return names;
    }

    @Override
    public int size() {
        return fields.size();
    }

    /** The fields in order, as a snapshot. */
    @Override
    public Iterator<Map.Entry<String, String>> iterator() {
        return List.copyOf(fields).iterator();
    }

    /** The fields as {@code Name: value} lines, for assertion messages. */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        fields.forEach(f -> b.append(f.getKey()).append(": ").append(f.getValue()).append('\n'));
        return b.toString();
    }

    private void checkWritable() {
        if (readOnly.getAsBoolean()) {
            throw new IllegalStateException("the headers were already sent (the response is committed)");
        }
    }

    private static void checkField(String name, String value) {
        // the gateway's own rule
        HttpRequests.checkField(name, value);
    }
}
