package io.gatehouse.plugin.proxy.internal;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The {@code proxy} spec as written in a pipeline (see docs/configuration.md). Bound by Jackson; defaults
 * are applied here, rules a type cannot express are checked by {@link ProxySpecValidator}. Lists keep
 * null elements so that the validator can report them at their index instead of failing the binding.
 */
public record ProxySpec(@JsonProperty("pools") List<Pool> pools,
                        @JsonProperty("connectTimeout") String connectTimeout,
                        @JsonProperty("readTimeout") String readTimeout,
                        @JsonProperty("hostHeader") String hostHeader,
                        @JsonProperty("retry") Retry retry,
                        @JsonProperty("tls") Tls tls) {

    public static final String DEFAULT_CONNECT_TIMEOUT = "5s";
    public static final String DEFAULT_READ_TIMEOUT = "60s";
    public static final String HOST_PRESERVE = "preserve";
    public static final String HOST_UPSTREAM = "upstream";

    public ProxySpec {
        pools = copy(pools);
        connectTimeout = connectTimeout == null ? DEFAULT_CONNECT_TIMEOUT : connectTimeout;
        readTimeout = readTimeout == null ? DEFAULT_READ_TIMEOUT : readTimeout;
        hostHeader = hostHeader == null ? HOST_PRESERVE : hostHeader;
        retry = retry == null ? new Retry(null, null, null, null, null) : retry;
        tls = tls == null ? new Tls(null, null, null) : tls;
    }

    /** The spec without retry (tests and older callers). */
    public ProxySpec(List<Pool> pools, String connectTimeout, String readTimeout, String hostHeader) {
        this(pools, connectTimeout, readTimeout, hostHeader, null, null);
    }

    /** The spec without TLS settings (tests and older callers). */
    public ProxySpec(List<Pool> pools, String connectTimeout, String readTimeout, String hostHeader, Retry retry) {
        this(pools, connectTimeout, readTimeout, hostHeader, retry, null);
    }

    /**
     * How {@code https://} servers are reached: a PEM file of the certificate authorities to trust (none: the
     * JDK's trust store), whether certificates are verified (default true), and the name sent as SNI and
     * checked against the certificates (default: each server's host).
     */
    public record Tls(@JsonProperty("trust") String trust,
                      @JsonProperty("verify") Boolean verify,
                      @JsonProperty("serverName") String serverName) {
        public Tls {
            verify = verify == null || verify;
        }
    }

    /**
     * Failover to the next server of the pool, with nginx {@code proxy_next_upstream} semantics: on which
     * failures ({@code error}, {@code timeout}, {@code invalid_header}, {@code http_<status>}), how many tries
     * in all (0: every server of the pool once), within what total time (0: no limit beyond each attempt's
     * timeouts), whether requests with a non-idempotent method that reached a server are sent again, and how
     * much of a request body is kept to be sent again.
     */
    public record Retry(@JsonProperty("on") List<String> on,
                        @JsonProperty("tries") Integer tries,
                        @JsonProperty("timeout") String timeout,
                        @JsonProperty("nonIdempotent") Boolean nonIdempotent,
                        @JsonProperty("bodyBuffer") String bodyBuffer) {
        public static final List<String> DEFAULT_ON = List.of("error", "timeout");
        public static final String DEFAULT_BODY_BUFFER = "64KiB";

        public Retry {
            on = on == null ? DEFAULT_ON : copy(on);
            tries = tries == null ? 0 : tries;
            timeout = timeout == null ? "0s" : timeout;
            nonIdempotent = nonIdempotent != null && nonIdempotent;
            bodyBuffer = bodyBuffer == null ? DEFAULT_BODY_BUFFER : bodyBuffer;
        }
    }

    static <T> List<T> copy(List<T> list) {
        return list == null ? List.of() : Collections.unmodifiableList(new ArrayList<>(list));
    }

    /** A group of servers and how to balance between them; the first pool whose match matches is used. */
    public record Pool(@JsonProperty("name") String name,
                       @JsonProperty("match") Match match,
                       @JsonProperty("servers") List<Server> servers,
                       @JsonProperty("loadBalance") LoadBalance loadBalance) {
        public Pool {
            servers = copy(servers);
            loadBalance = loadBalance == null ? new LoadBalance(null, null, null) : loadBalance;
        }

        /** True when the pool takes every request (no match, or a match without conditions). */
        @JsonIgnore
        public boolean matchesAll() {
            return match == null || match.headers().isEmpty();
        }
    }

    /** Conditions on the request; all must hold. */
    public record Match(@JsonProperty("headers") List<HeaderMatch> headers) {
        public Match {
            headers = copy(headers);
        }
    }

    /** One header condition: exactly one of an exact {@code value} or a {@code regex} (searched). */
    public record HeaderMatch(@JsonProperty("name") String name,
                              @JsonProperty("value") String value,
                              @JsonProperty("regex") String regex) {
    }

    /** One upstream server. */
    public record Server(@JsonProperty("url") String url, @JsonProperty("weight") Integer weight) {
        public static final int DEFAULT_WEIGHT = 1;

        public Server {
            weight = weight == null ? DEFAULT_WEIGHT : weight;
        }
    }

    /** The load-balancing policy of a pool. */
    public record LoadBalance(@JsonProperty("policy") String policy,
                              @JsonProperty("hashKey") HashKey hashKey,
                              @JsonProperty("virtualNodes") Integer virtualNodes) {
        public static final String DEFAULT_POLICY = "roundRobin";
        public static final int DEFAULT_VIRTUAL_NODES = 160;

        public LoadBalance {
            policy = policy == null ? DEFAULT_POLICY : policy;
        }

        /** {@link #virtualNodes()} or its default; the field itself stays null when omitted. */
        @JsonIgnore
        public int virtualNodesOrDefault() {
            return virtualNodes == null ? DEFAULT_VIRTUAL_NODES : virtualNodes;
        }
    }

    /** Where consistentHash takes its key from: exactly one of the three. */
    public record HashKey(@JsonProperty("header") String header,
                          @JsonProperty("cookie") String cookie,
                          @JsonProperty("clientIp") Boolean clientIp) {
        /** True when {@code clientIp: true}. */
        @JsonIgnore
        public boolean usesClientIp() {
            return Boolean.TRUE.equals(clientIp);
        }
    }
}
