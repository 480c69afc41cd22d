package io.gatehouse.plugin.proxy.internal;

import io.gatehouse.api.config.RuntimeFiles;
import io.gatehouse.api.config.Units;
import io.gatehouse.api.plugin.Forward;
import io.gatehouse.api.plugin.UpstreamTls;
import io.gatehouse.plugin.proxy.internal.lb.Balancer;
import io.gatehouse.plugin.proxy.internal.lb.Dice;
import io.gatehouse.plugin.proxy.internal.lb.KeySource;
import io.gatehouse.plugin.proxy.internal.lb.Policy;
import io.gatehouse.plugin.proxy.internal.lb.Upstream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Builds a {@link ProxyPlugin} from a validated spec: the {@link Forward} of every server once, the
 * balancers, and the state taken over from the previous generation (in-flight counters by server url,
 * rotation positions by pool name, or by index for unnamed pools).
 */
final class ProxyPluginFactory {
    private final Dice dice;

    ProxyPluginFactory(Dice dice) {
        this.dice = dice;
    }

    ProxyPlugin create(ProxySpec spec, String where, ProxyPlugin previous) {
        Map<String, AtomicInteger> inherited = previous == null ? Map.of() : previous.counters();
        Map<String, AtomicInteger> counters = new HashMap<>();
        Map<String, Forward> forwards = new HashMap<>();
        Duration connectTimeout = Units.duration(spec.connectTimeout());
        Duration readTimeout = Units.duration(spec.readTimeout());
        UpstreamTls tls = tls(spec.tls());
        List<ServerPool> pools = new ArrayList<>();
        for (int p = 0; p < spec.pools().size(); p++) {
            ProxySpec.Pool poolSpec = spec.pools().get(p);
            List<Upstream> servers = new ArrayList<>();
            for (ProxySpec.Server server : poolSpec.servers()) {
                UpstreamUrl url = UpstreamUrl.parse(server.url());
                String key = url.url();
                Forward forward = forwards.computeIfAbsent(key, k -> forward(url, connectTimeout, readTimeout,
                        spec.hostHeader(), tls));
                AtomicInteger active = counters.computeIfAbsent(key,
                        k -> inherited.getOrDefault(k, new AtomicInteger()));
                servers.add(new Upstream(key, server.weight(), forward, active));
            }
            Balancer balancer = balancer(poolSpec.loadBalance(), servers.toArray(new Upstream[0]));
            Balancer before = previousBalancer(previous, poolSpec.name(), p);
            if (before != null) {
                balancer.inherit(before);
            }
            List<HeaderMatcher> matchers = new ArrayList<>();
            if (poolSpec.match() != null) {
                poolSpec.match().headers().forEach(h -> matchers.add(HeaderMatcher.of(h)));
            }
            pools.add(new ServerPool(poolSpec.name(), matchers, servers, balancer));
        }
        return new ProxyPlugin(where, pools, counters, RetryPolicy.of(spec.retry()));
    }

    private static Forward forward(UpstreamUrl url, Duration connectTimeout, Duration readTimeout, String hostHeader,
                                   UpstreamTls tls) {
        Forward forward = Forward.to(url.host(), url.port()).connectTimeout(connectTimeout).readTimeout(readTimeout)
                .tls(url.https() ? tls : null);
        return switch (hostHeader.toLowerCase(Locale.ROOT)) {
            case ProxySpec.HOST_PRESERVE -> forward.hostHeader(Forward.HostMode.PRESERVE, null);
            case ProxySpec.HOST_UPSTREAM -> forward.hostHeader(Forward.HostMode.UPSTREAM, null);
            default -> forward.hostHeader(Forward.HostMode.FIXED, hostHeader);
        };
    }

    /** The settings of https:// servers; a relative trust file is resolved against the runtime folder. */
    private static UpstreamTls tls(ProxySpec.Tls spec) {
        Path trust = spec.trust() == null ? null : RuntimeFiles.resolve(spec.trust());
        return new UpstreamTls(trust, spec.verify(), spec.serverName());
    }

    private Balancer balancer(ProxySpec.LoadBalance spec, Upstream[] servers) {
        Policy policy = Policy.byName(spec.policy());
        if (policy == null) {
            throw new IllegalArgumentException("unknown load-balancing policy '" + spec.policy() + "'");
        }
        KeySource keySource = null;
        ProxySpec.HashKey key = spec.hashKey();
        if (policy == Policy.CONSISTENT_HASH && key != null) {
            if (key.header() != null) {
                keySource = KeySource.header(key.header());
            } else if (key.cookie() != null) {
                keySource = KeySource.cookie(key.cookie());
            } else {
                keySource = KeySource.clientIp();
            }
        }
        return policy.create(servers, keySource, spec.virtualNodesOrDefault(), dice);
    }

    private static Balancer previousBalancer(ProxyPlugin previous, String name, int index) {
        if (previous == null) {
            return null;
        }
        List<ServerPool> pools = previous.pools();
        if (name != null) {
            for (ServerPool pool : pools) {
                if (name.equals(pool.name())) {
                    return pool.balancer();
                }
            }
            return null;
        }
        return index < pools.size() && pools.get(index).name() == null ? pools.get(index).balancer() : null;
    }
}
