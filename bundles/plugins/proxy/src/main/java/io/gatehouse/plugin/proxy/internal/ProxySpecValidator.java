package io.gatehouse.plugin.proxy.internal;

import io.gatehouse.api.config.Units;
import io.gatehouse.api.config.Violations;
import io.gatehouse.plugin.proxy.internal.lb.Policy;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The rules of a proxy spec that its type cannot express, each reported at the path of the field. The
 * limits keep what a pool precomputes (the weighted round robin period, the hash ring) small.
 */
final class ProxySpecValidator {
    static final int MAX_POOLS = 64;
    static final int MAX_SERVERS = 256;
    static final int MAX_WEIGHT = 1000;
    static final int MAX_VIRTUAL_NODES = 10_000;
    static final int MAX_RING_POINTS = 1_000_000;
    // below 10ms a timeout fires before a loopback round trip on a busy node; the maximums keep every
    // timeout far from an overflow where the data plane converts it (documented in docs/configuration.md)
    static final Duration MIN_TIMEOUT = Duration.ofMillis(10);
    static final Duration MAX_CONNECT_TIMEOUT = Duration.ofMinutes(5);
    static final Duration MAX_READ_TIMEOUT = Duration.ofHours(24);

    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+\\-.^_`|~0-9A-Za-z]+");
    private static final Pattern HOST_VALUE = Pattern.compile("[A-Za-z0-9.\\-_~%!$&'()*+,;=:\\[\\]]+");

    private ProxySpecValidator() {
    }

    static void validate(ProxySpec spec, Violations v) {
        List<ProxySpec.Pool> pools = spec.pools();
        if (pools.isEmpty()) {
            v.add("pools", "at least one pool is required");
        } else if (pools.size() > MAX_POOLS) {
            v.add("pools", "at most " + MAX_POOLS + " pools are allowed, found " + pools.size());
        }
        Map<String, Integer> names = new HashMap<>();
        int matchAll = -1;
        for (int i = 0; i < pools.size(); i++) {
            ProxySpec.Pool pool = pools.get(i);
            Violations at = v.at("pools").at(i);
            if (pool == null) {
                at.add("a pool must be an object");
                continue;
            }
            if (matchAll >= 0) {
                at.add("unreachable: pools[" + matchAll + "] before it matches every request");
            }
            if (pool.name() != null) {
                Integer previous = names.putIfAbsent(pool.name(), i);
                if (pool.name().isBlank()) {
                    at.add("name", "must not be blank");
                } else if (previous != null) {
                    at.add("name", "'" + pool.name() + "' is already the name of pools[" + previous + "]");
                }
            }
            if (pool.matchesAll() && matchAll < 0) {
                matchAll = i;
            }
            pool(pool, at);
        }
        duration(spec.connectTimeout(), v, "connectTimeout", MAX_CONNECT_TIMEOUT);
        duration(spec.readTimeout(), v, "readTimeout", MAX_READ_TIMEOUT);
        hostHeader(spec.hostHeader(), v);
        retry(spec.retry(), v.at("retry"));
        tls(spec.tls(), v.at("tls"));
    }

    private static void tls(ProxySpec.Tls tls, Violations v) {
        if (tls.trust() != null && tls.trust().isBlank()) {
            v.add("trust", "must be the path of a PEM file of trusted certificates, or absent for the JDK's");
        }
        if (tls.serverName() != null && !SERVER_NAME.matcher(tls.serverName()).matches()) {
            v.add("serverName", "'" + tls.serverName() + "' is not a host name such as api.example.com");
        }
    }

    static final int MAX_TRIES = 16;
    private static final java.util.regex.Pattern SERVER_NAME = java.util.regex.Pattern.compile(
            "[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*");
    static final long MAX_BODY_BUFFER = 64L * 1024 * 1024;

    private static void retry(ProxySpec.Retry retry, Violations v) {
        for (int i = 0; i < retry.on().size(); i++) {
            String c = retry.on().get(i);
            if (c == null || RetryConditions.parse(c) == null) {
                v.at("on").at(i).add("'" + c + "' is not a retry condition; use error, timeout, invalid_header or "
                        + "http_<status> (for example http_502)");
            }
        }
        if (retry.tries() < 0 || retry.tries() > MAX_TRIES) {
            v.add("tries", "must be 0 (every server of the pool once) or 1.." + MAX_TRIES + ", found "
                    + retry.tries());
        }
        try {
            Units.duration(retry.timeout(), Duration.ZERO, MAX_READ_TIMEOUT);
        } catch (IllegalArgumentException e) {
            v.add("timeout", e.getMessage());
        }
        try {
            Units.bytes(retry.bodyBuffer(), 0, MAX_BODY_BUFFER);
        } catch (IllegalArgumentException e) {
            v.add("bodyBuffer", e.getMessage());
        }
    }

    private static void pool(ProxySpec.Pool pool, Violations v) {
        if (pool.match() != null) {
            List<ProxySpec.HeaderMatch> headers = pool.match().headers();
            for (int i = 0; i < headers.size(); i++) {
                headerMatch(headers.get(i), v.at("match").at("headers").at(i));
            }
        }
        List<ProxySpec.Server> servers = pool.servers();
        if (servers.isEmpty()) {
            v.add("servers", "at least one server is required");
        } else if (servers.size() > MAX_SERVERS) {
            v.add("servers", "at most " + MAX_SERVERS + " servers per pool are allowed, found " + servers.size());
        }
        Map<String, Integer> urls = new HashMap<>();
        for (int i = 0; i < servers.size(); i++) {
            ProxySpec.Server server = servers.get(i);
            Violations at = v.at("servers").at(i);
            if (server == null) {
                at.add("a server must be an object");
                continue;
            }
            try {
                String url = UpstreamUrl.parse(server.url()).url();
                Integer previous = urls.putIfAbsent(url, i);
                if (previous != null) {
                    at.add("url", "'" + server.url() + "' is already servers[" + previous + "] of this pool");
                }
            } catch (IllegalArgumentException e) {
                at.add("url", e.getMessage());
            }
            if (server.weight() < 1 || server.weight() > MAX_WEIGHT) {
                at.add("weight", "must be 1.." + MAX_WEIGHT + ", found " + server.weight());
            }
        }
        loadBalance(pool, v.at("loadBalance"));
    }

    private static void headerMatch(ProxySpec.HeaderMatch match, Violations v) {
        if (match == null) {
            v.add("a header condition must be an object");
            return;
        }
        if (match.name() == null) {
            v.add("name", "a header name is required");
        } else if (!TOKEN.matcher(match.name()).matches()) {
            v.add("name", "'" + match.name() + "' is not a valid header name");
        }
        if ((match.value() == null) == (match.regex() == null)) {
            v.add("exactly one of value or regex is required");
        }
        if (match.regex() != null) {
            try {
                Pattern.compile(match.regex());
            } catch (PatternSyntaxException e) {
                v.add("regex", "not a valid regular expression: " + e.getDescription() + " near index "
                        + e.getIndex());
            }
        }
    }

    private static void loadBalance(ProxySpec.Pool pool, Violations v) {
        ProxySpec.LoadBalance lb = pool.loadBalance();
        Policy policy = Policy.byName(lb.policy());
        if (policy == null) {
            v.add("policy", "'" + lb.policy() + "' is not a policy; use one of " + String.join(", ",
                    Policy.specNames()));
            return;
        }
        if (policy != Policy.CONSISTENT_HASH) {
            if (lb.hashKey() != null) {
                v.add("hashKey", "only used by the consistentHash policy");
            }
            if (lb.virtualNodes() != null) {
                v.add("virtualNodes", "only used by the consistentHash policy");
            }
            return;
        }
        ProxySpec.HashKey key = lb.hashKey();
        if (key == null) {
            v.add("hashKey", "consistentHash needs a hashKey: one of header, cookie or clientIp");
        } else {
            int sources = (key.header() != null ? 1 : 0) + (key.cookie() != null ? 1 : 0) + (key.usesClientIp() ? 1 : 0);
            if (sources != 1) {
                v.add("hashKey", "exactly one of header, cookie or clientIp: true is required");
            }
            if (key.header() != null && !TOKEN.matcher(key.header()).matches()) {
                v.at("hashKey").add("header", "'" + key.header() + "' is not a valid header name");
            }
            if (key.cookie() != null && !TOKEN.matcher(key.cookie()).matches()) {
                v.at("hashKey").add("cookie", "'" + key.cookie() + "' is not a valid cookie name");
            }
            if (Boolean.FALSE.equals(key.clientIp()) && sources == 1) {
                v.at("hashKey").add("clientIp", "false has no effect: omit it");
            }
        }
        int nodes = lb.virtualNodesOrDefault();
        if (nodes < 1 || nodes > MAX_VIRTUAL_NODES) {
            v.add("virtualNodes", "must be 1.." + MAX_VIRTUAL_NODES + ", found " + nodes);
            return;
        }
        long points = (long) nodes * reducedWeightSum(pool.servers());
        if (points > MAX_RING_POINTS) {
            v.add("virtualNodes", "the ring would have " + points + " points (virtualNodes x weights), at most "
                    + MAX_RING_POINTS + ": lower virtualNodes or the weights");
        }
    }

    /** Sum of the weights divided by their greatest common divisor (as the ring and the WRR period use). */
    private static long reducedWeightSum(List<ProxySpec.Server> servers) {
        int gcd = 0;
        long sum = 0;
        for (ProxySpec.Server s : servers) {
            if (s != null && s.weight() >= 1) {
                gcd = gcd(gcd, s.weight());
                sum += s.weight();
            }
        }
        return gcd == 0 ? 0 : sum / gcd;
    }

    private static int gcd(int a, int b) {
        while (b != 0) {
            int t = a % b;
            a = b;
            b = t;
        }
        return a;
    }

    private static void duration(String text, Violations v, String field, Duration max) {
        try {
            Units.duration(text, MIN_TIMEOUT, max);
        } catch (IllegalArgumentException e) {
            v.add(field, e.getMessage());
        }
    }

    private static void hostHeader(String value, Violations v) {
        String keyword = value.toLowerCase(Locale.ROOT);
        if (keyword.equals(ProxySpec.HOST_PRESERVE) || keyword.equals(ProxySpec.HOST_UPSTREAM)) {
            return;
        }
        if (!HOST_VALUE.matcher(value).matches()) {
            v.add("hostHeader", "'" + value + "' is neither preserve, upstream nor a valid Host value");
        }
    }
}
