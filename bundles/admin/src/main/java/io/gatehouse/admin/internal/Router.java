package io.gatehouse.admin.internal;

import io.gatehouse.api.config.ConfigException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A route table: method + path template ({@code /api/v1/objects/{kind}/{name}}) → endpoint. Matching is by
 * path segments; a path that matches a template under another method yields the methods for the Allow header.
 * Immutable once built; thread-safe.
 */
final class Router {

    /** One endpoint: gets a routed request, answers or throws. */
    @FunctionalInterface
    interface Endpoint {
        ApiResponse handle(ApiRequest request) throws ConfigException;
    }

    /**
     * An endpoint that answers later (a write waiting for its commit): the stage completes with the answer or
     * the failure; it must complete, and the endpoint bounds how long that takes.
     */
    @FunctionalInterface
    interface AsyncEndpoint {
        CompletionStage<ApiResponse> handle(ApiRequest request) throws ConfigException;
    }

    /**
     * A table entry; {@code body} says whether the request body is read before the endpoint runs,
     * {@code query} which query parameters it takes (any other is refused before it runs). Exactly one of
     * {@code endpoint} and {@code async} is set.
     */
    record Route(String method, List<String> template, boolean body, Set<String> query, Endpoint endpoint,
                 AsyncEndpoint async, boolean open) {

        /** The template as written, such as {@code /api/v1/objects/{kind}/{name}}. */
        String path() {
            return "/" + String.join("/", template);
        }

        /** What a caller needs to run it: reading for GET, admin for the rest. */
        Caller.Access access() {
            return method.equals("GET") ? Caller.Access.READ : Caller.Access.ADMIN;
        }

        /** Runs the endpoint; a synchronous one answers with a completed stage. */
        CompletionStage<ApiResponse> run(ApiRequest request) throws ConfigException {
            return async != null ? async.handle(request) : CompletableFuture.completedFuture(endpoint.handle(request));
        }
    }

    /** The outcome of matching: the route and its parameters, or the methods allowed for the path (405). */
    record Match(Route route, Map<String, String> params, Set<String> allowed) {
        boolean found() {
            return route != null;
        }
    }

    private final List<Route> routes = new ArrayList<>();

    Router get(String template, Endpoint endpoint) {
        return add("GET", template, false, Set.of(), endpoint);
    }

    /** A GET route that needs no token (health and readiness: load balancers and launchers call them). */
    Router open(String template, Endpoint endpoint) {
        routes.add(new Route("GET", segments(template), false, Set.of(), endpoint, null, true));
        return this;
    }

    /** A GET route that takes the named query parameters (each at most once). */
    Router get(String template, Set<String> query, Endpoint endpoint) {
        return add("GET", template, false, query, endpoint);
    }

    Router post(String template, Endpoint endpoint) {
        return add("POST", template, true, Set.of(), endpoint);
    }

    Router put(String template, Endpoint endpoint) {
        return add("PUT", template, true, Set.of(), endpoint);
    }

    Router delete(String template, Endpoint endpoint) {
        return add("DELETE", template, false, Set.of(), endpoint);
    }

    /** An asynchronous route taking the named query parameters. */
    Router async(String method, String template, Set<String> query, AsyncEndpoint endpoint) {
        return async(method, template, query, endpoint, false);
    }

    /**
     * An asynchronous route that needs no token because it authenticates its requests itself (the internal
     * endpoints, signed with the cluster secret).
     */
    Router signed(String method, String template, Set<String> query, AsyncEndpoint endpoint) {
        return async(method, template, query, endpoint, true);
    }

    private Router async(String method, String template, Set<String> query, AsyncEndpoint endpoint, boolean open) {
        boolean body = method.equals("POST") || method.equals("PUT");
        routes.add(new Route(method, segments(template), body, Set.copyOf(query), null, endpoint, open));
        return this;
    }

    private Router add(String method, String template, boolean body, Set<String> query, Endpoint endpoint) {
        routes.add(new Route(method, segments(template), body, Set.copyOf(query), endpoint, null, false));
        return this;
    }

    /** Every route, in the order they were added. */
    List<Route> routes() {
        return List.copyOf(routes);
    }

    /** The route for {@code method} and {@code path}; null when no template matches the path at all. */
    Match match(String method, String path) {
        List<String> segments = segments(path);
        Set<String> allowed = new LinkedHashSet<>();
        for (Route route : routes) {
            Map<String, String> params = bind(route.template(), segments);
            if (params == null) {
                continue;
            }
            if (route.method().equals(method)) {
                return new Match(route, params, Set.of());
            }
            allowed.add(route.method());
        }
        return allowed.isEmpty() ? null : new Match(null, Map.of(), allowed);
    }

    private static Map<String, String> bind(List<String> template, List<String> segments) {
        if (template.size() != segments.size()) {
            return null;
        }
        Map<String, String> params = new HashMap<>();
        for (int i = 0; i < template.size(); i++) {
            String t = template.get(i);
            String s = segments.get(i);
            if (t.startsWith("{") && t.endsWith("}")) {
                if (s.isEmpty()) {
                    return null;
                }
                params.put(t.substring(1, t.length() - 1), s);
            } else if (!t.equals(s)) {
                return null;
            }
        }
        return params;
    }

    /** Path segments; a trailing slash is ignored ({@code /api/v1/objects/} is {@code /api/v1/objects}). */
    private static List<String> segments(String path) {
        List<String> segments = new ArrayList<>(List.of(path.split("/", -1)));
        if (!segments.isEmpty() && segments.get(0).isEmpty()) {
            segments.remove(0);
        }
        if (segments.size() > 1 && segments.get(segments.size() - 1).isEmpty()) {
            segments.remove(segments.size() - 1);
        }
        return segments;
    }
}
