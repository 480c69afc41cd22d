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
    /** What each route's requests ended with (one adder increment per routed request, when it ends). */
    private final Hits[] hits;
    private final Map<String, int[]> exact;
    private final int[] others;

    public RouteTable(List<Route> rules) {
        this.routes = rules.toArray(new Route[0]);
        this.hits = new Hits[routes.length];
        for (int i = 0; i < routes.length; i++) {
            hits[i] = new Hits();
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

    /**
     * The requests one route's rule matched, by status class of their responses, counted when they end (the
     * server handler records this object on the exchange at the match and finds it at the end; a request
     * matched by a table that was replaced since ends in the counters of the table that matched it).
     */
    public static final class Hits {
        private final LongAdder[] classes = new LongAdder[5];

        Hits() {
            for (int i = 0; i < classes.length; i++) {
                classes[i] = new LongAdder();
            }
        }

        /** Counts a request of this route that ended with {@code status} (100..599; others count as 5xx). */
        public void ended(int status) {
            int c = status / 100 - 1;
            classes[c >= 0 && c < 5 ? c : 4].increment();
        }

        /** Requests that ended with a status of class {@code n}xx (1..5). */
        public long status(int n) {
            return classes[n - 1].sum();
        }
    }

    /** The first route matching the request, or null. */
    public Route match(HttpRequest request) {
        int i = find(request);
        return i < 0 ? null : routes[i];
    }

    /** The index of the first route matching the request, or -1. */
    public int find(HttpRequest request) {
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
                return i;
            }
        }
        return -1;
    }

    /** The route at {@code i}, in rule order. */
    public Route route(int i) {
        return routes[i];
    }

    /** The counters of the route at {@code i}: its requests since this table was made, by status class. */
    public Hits hits(int i) {
        return hits[i];
    }

    public int size() {
        return routes.length;
    }
}
