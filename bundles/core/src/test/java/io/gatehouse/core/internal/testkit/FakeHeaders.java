package io.gatehouse.core.internal.testkit;

import io.gatehouse.api.plugin.Headers;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Ordered, case-insensitive header list for tests. */
public final class FakeHeaders implements Headers {
    private final List<Map.Entry<String, String>> fields = new ArrayList<>();

    @Override
    public String get(String name) {
        for (Map.Entry<String, String> e : fields) {
            if (e.getKey().equalsIgnoreCase(name)) {
                return e.getValue();
            }
        }
        return null;
    }

    @Override
    public List<String> getAll(String name) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, String> e : fields) {
            if (e.getKey().equalsIgnoreCase(name)) {
                out.add(e.getValue());
            }
        }
        return out;
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
        fields.add(new AbstractMap.SimpleEntry<>(name, value));
        return this;
    }

    @Override
    public Headers remove(String name) {
        fields.removeIf(e -> e.getKey().equalsIgnoreCase(name));
        return this;
    }

    @Override
    public Set<String> names() {
        Set<String> out = new LinkedHashSet<>();
        fields.forEach(e -> out.add(e.getKey()));
        return out;
    }

    @Override
    public int size() {
        return fields.size();
    }

    @Override
    public Iterator<Map.Entry<String, String>> iterator() {
        return fields.iterator();
    }
}
