package io.gatehouse.core.internal.config;

import io.gatehouse.core.internal.routing.RouteTable;
import io.gatehouse.dataplane.ListenerSettings;
import java.util.List;

/**
 * A validated HTTPServer: the listener settings, the compiled route table and, per rule, the pipeline it
 * routes to (for reference checks).
 */
public record ServerModel(String name, ListenerSettings settings, RouteTable routes, List<String> rulePipelines) {

    /** True when both would listen on overlapping sockets (same port, same address or either a wildcard). */
    public boolean overlaps(ListenerSettings other) {
        return overlap(settings, other);
    }

    public static boolean overlap(ListenerSettings a, ListenerSettings b) {
        if (a.port() != b.port() || a.port() == 0) {
            return false;
        }
        return a.address().equals(b.address()) || wildcard(a.address()) || wildcard(b.address());
    }

    public static boolean wildcard(String address) {
        return address.equals("0.0.0.0") || address.equals("::") || address.equals("0:0:0:0:0:0:0:0");
    }

    public static String socket(ListenerSettings s) {
        return s.address().indexOf(':') >= 0 ? "[" + s.address() + "]:" + s.port() : s.address() + ":" + s.port();
    }
}
