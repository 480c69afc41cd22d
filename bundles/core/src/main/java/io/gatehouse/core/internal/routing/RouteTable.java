package io.gatehouse.core.internal.routing;

import io.gatehouse.api.plugin.HttpRequest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * An HTTPServer's immutable, compiled rules. First match wins. Rules with an exact path are indexed by
 * that path, so a request only checks the exact rules for its own path plus the others, merged in rule
 * order (no allocation per request).
 */
public final class RouteTable {
    private static final int[] NONE = new int[0];

    private final Route[] routes;
    /** Requests each route matched (one adder increment per routed request). */
    private final LongAdder[] matched;
    private final Map<String, int[]> exact;
    private final int[] others;

    public RouteTable(List<Route> rules) {
        this.routes = rules.toArray(new Route[0]);
        this.matched = new LongAdder[routes.length];
        for (int i = 0; i < routes.length; i++) {
            matched[i] = new LongAdder();
        }
        Map<String, List<Integer>> byPath = new HashMap<>();
        List<Integer> rest = new ArrayList<>();
        for (int i = 0; i < routes.length; i++) {
            if (routes[i].path() != null) {
                byPath.computeIfAbsent(routes[i].path(), k -> new ArrayList<>()).add(i);
            } else {
                rest.add(i);
            }
        }
        Map<String, int[]> index = new HashMap<>();
        byPath.forEach((k, v) -> index.put(k, v.stream().mapToInt(Integer::intValue).toArray()));
        this.exact = Map.copyOf(index);
        this.others = rest.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The first route matching the request, or null. */
    public Route match(HttpRequest request) {
        String path = request.path();
        int[] candidates = path == null ? NONE : exact.getOrDefault(path, NONE);
        int a = 0;
        int b = 0;
        while (a < candidates.length || b < others.length) {
            int i;
            if (b >= others.length || (a < candidates.length && candidates[a] < others[b])) {
                i = candidates[a++];
            } else {
                i = others[b++];
            }
            if (routes[i].matches(request)) {
                matched[i].increment();
                return routes[i];
            }
        }
        return null;
    }

    /** The route at {@code i}, in rule order. */
    public Route route(int i) {
        return routes[i];
    }

    /** Requests the route at {@code i} matched since this table was made. */
    public long matched(int i) {
        return matched[i].sum();
    }

    public int size() {
        return routes.length;
    }
}
