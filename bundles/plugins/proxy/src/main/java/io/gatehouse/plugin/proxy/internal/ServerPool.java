package io.gatehouse.plugin.proxy.internal;

import io.gatehouse.api.plugin.HttpRequest;
import io.gatehouse.plugin.proxy.internal.lb.Balancer;
import io.gatehouse.plugin.proxy.internal.lb.Upstream;
import java.util.List;

/** A pool at run time: its conditions, its servers and its balancer. Immutable apart from the balancer. */
final class ServerPool {
    private final String name;
    private final List<HeaderMatcher> matchers;
    private final List<Upstream> servers;
    private final Balancer balancer;

    ServerPool(String name, List<HeaderMatcher> matchers, List<Upstream> servers, Balancer balancer) {
        this.name = name;
        this.matchers = List.copyOf(matchers);
        this.servers = List.copyOf(servers);
        this.balancer = balancer;
    }

    /** The pool's name, or null when it has none. */
    String name() {
        return name;
    }

    List<Upstream> servers() {
        return servers;
    }

    Balancer balancer() {
        return balancer;
    }

    boolean matches(HttpRequest request) {
        for (int i = 0; i < matchers.size(); i++) {
            if (!matchers.get(i).matches(request.headers())) {
                return false;
            }
        }
        return true;
    }
}
