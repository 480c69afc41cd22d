package io.gatehouse.cluster.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Test harness: real group members in this JVM on 127.0.0.1 with free ports, configured through the same
 * {@link ClusterSettings#from} path as the component. {@link #close()} kills every member it started.
 */
final class TestNodes implements AutoCloseable {
    static final String SECRET = "test-secret-0123456789";

    private final List<GroupMember> started = new ArrayList<>();
    private final Map<String, Integer> ports = new HashMap<>();
    private final String cluster;

    TestNodes(String cluster) {
        this.cluster = cluster;
    }

    /** Reserves a free port for each name (so that seeds can be given before the members start). */
    TestNodes ports(String... names) {
        for (String n : names) {
            ports.put(n, freePort());
        }
        return this;
    }

    int port(String name) {
        return ports.get(name);
    }

    /** Seeds: every reserved port but the node's own. */
    String seedsFor(String name) {
        StringBuilder b = new StringBuilder();
        ports.forEach((n, p) -> {
            if (!n.equals(name)) {
                b.append(b.length() == 0 ? "" : ",").append("127.0.0.1:").append(p);
            }
        });
        return b.toString();
    }

    GroupMember start(String name, String role, String voters) {
        return start(name, role, voters, SECRET, Map.of());
    }

    GroupMember start(String name, String role, String voters, String secret, Map<String, String> extra) {
        return start(name, role, voters, secret, extra, () -> { });
    }

    /** A member whose CP repair reports a lost CP membership to {@code cpMemberLost}. */
    GroupMember start(String name, String role, String voters, String secret, Map<String, String> extra,
                      Runnable cpMemberLost) {
        Map<String, String> p = new HashMap<>();
        p.put("cluster.name", cluster);
        p.put("node.name", name);
        p.put("role", role);
        p.put("voters", voters);
        p.put("bind.port", Integer.toString(ports.computeIfAbsent(name, n -> freePort())));
        p.put("seeds", seedsFor(name));
        p.put("secret", secret);
        p.putAll(extra);
        ClusterSettings s = ClusterSettings.from(config(p), p);
        GroupMember m = GroupMember.start(s, ClusterSecret.resolve(s, null), GroupMember.class.getClassLoader(),
                cpMemberLost);
        synchronized (started) {
            started.add(m);
        }
        return m;
    }

    List<GroupMember> all() {
        synchronized (started) {
            return List.copyOf(started);
        }
    }

    @Override
    public void close() {
        for (GroupMember m : all()) {
            try {
                m.kill();
            } catch (RuntimeException e) {
                // already terminated
            }
        }
    }

    /** A Config whose values come from {@code values} (key = method name with '_' as '.'), else its defaults. */
    static ClusterNodeComponent.Config config(Map<String, String> values) {
        return (ClusterNodeComponent.Config) Proxy.newProxyInstance(ClusterNodeComponent.Config.class.getClassLoader(),
                new Class<?>[] {ClusterNodeComponent.Config.class}, (proxy, method, args) -> value(method, values));
    }

    private static Object value(Method method, Map<String, String> values) {
        String key = method.getName().replace('_', '.');
        if (values.containsKey(key)) {
            return values.get(key);
        }
        Object d = method.getDefaultValue();
        if (d == null) {
            throw new UnsupportedOperationException(method.getName());
        }
        return d;
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
