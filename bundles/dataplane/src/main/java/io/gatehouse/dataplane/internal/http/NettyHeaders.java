package io.gatehouse.dataplane.internal.http;

import io.gatehouse.api.plugin.Headers;
import io.gatehouse.api.plugin.HttpRequests;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The plugin API's {@link Headers} as a view over Netty's {@link HttpHeaders}: nothing is copied, and what
 * a plugin changes is what goes on the wire. Writes are refused once the owning message is sealed.
 */
final class NettyHeaders implements Headers {

    /** Who decides whether the headers may still change. */
    interface Owner {
        void checkMutable();
    }

    private final HttpHeaders headers;
    private final Owner owner;

    NettyHeaders(HttpHeaders headers, Owner owner) {
        this.headers = headers;
        this.owner = owner;
    }

    HttpHeaders netty() {
        return headers;
    }

    @Override
    public String get(String name) {
        return headers.get(name);
    }

    @Override
    public List<String> getAll(String name) {
        return Collections.unmodifiableList(headers.getAll(name));
    }

    @Override
    public boolean contains(String name) {
        return headers.contains(name);
    }

    @Override
    public boolean contains(String name, String value, boolean ignoreCase) {
        for (String v : headers.getAll(name)) {
            if (ignoreCase ? v.equalsIgnoreCase(value) : v.equals(value)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public Headers set(String name, String value) {
        owner.checkMutable();
        HttpRequests.checkField(name, value);
        headers.set(name, value);
        return this;
    }

    @Override
    public Headers add(String name, String value) {
        owner.checkMutable();
        HttpRequests.checkField(name, value);
        headers.add(name, value);
        return this;
    }

    @Override
    public Headers remove(String name) {
        owner.checkMutable();
        headers.remove(name);
        return this;
    }

    @Override
    public Set<String> names() {
        Map<String, String> seen = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : headers) {
            seen.putIfAbsent(e.getKey().toLowerCase(Locale.ROOT), e.getKey());
        }
        return Collections.unmodifiableSet(new LinkedHashSet<>(seen.values()));
    }

    @Override
    public int size() {
        return headers.size();
    }

    @Override
    public Iterator<Map.Entry<String, String>> iterator() {
        Iterator<Map.Entry<String, String>> it = headers.iteratorAsString();
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return it.hasNext();
            }

            @Override
            public Map.Entry<String, String> next() {
                Map.Entry<String, String> e = it.next();
                return Map.entry(e.getKey(), e.getValue());
            }
        };
    }

    @Override
    public String toString() {
        return headers.toString();
    }
}
