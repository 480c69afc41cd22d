package io.gatehouse.plugin.mock.internal.fake;

import io.gatehouse.api.plugin.Headers;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Test double of {@link Headers}: a list of fields, names compared case-insensitively, order kept. */
public final class FakeHeaders implements Headers {
    private final List<Map.Entry<String, String>> fields = new ArrayList<>();

    @Override
    public String get(String name) {
        for (Map.Entry<String, String> f : fields) {
            if (f.getKey().equalsIgnoreCase(name)) {
                return f.getValue();
            }
        }
        return null;
    }

    @Override
    public List<String> getAll(String name) {
        List<String> values = new ArrayList<>();
        for (Map.Entry<String, String> f : fields) {
            if (f.getKey().equalsIgnoreCase(name)) {
                values.add(f.getValue());
            }
        }
        return values;
    }

    @Override
    public boolean contains(String name) {
        return get(name) != null;
    }

    @Override
    public boolean contains(String name, String value, boolean ignoreCase) {
        for (String v : getAll(name)) {
            if (ignoreCase ? v.equalsIgnoreCase(value) : v.equals(value)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public Headers set(String name, String value) {
        remove(name);
        return add(name, value);
    }

    @Override
    public Headers add(String name, String value) {
        fields.add(new AbstractMap.SimpleImmutableEntry<>(name, value));
        return this;
    }

    @Override
    public Headers remove(String name) {
        fields.removeIf(f -> f.getKey().equalsIgnoreCase(name));
        return this;
    }

    @Override
    public Set<String> names() {
        Set<String> names = new LinkedHashSet<>();
        for (Map.Entry<String, String> f : fields) {
            boolean seen = names.stream().anyMatch(n -> n.equalsIgnoreCase(f.getKey()));
            if (!seen) {
                names.add(f.getKey());
            }
        }
        return names;
    }

    @Override
    public int size() {
        return fields.size();
    }

    @Override
    public Iterator<Map.Entry<String, String>> iterator() {
        return List.copyOf(fields).iterator();
    }
}
