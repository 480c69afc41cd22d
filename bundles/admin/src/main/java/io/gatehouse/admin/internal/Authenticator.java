package io.gatehouse.admin.internal;

import io.gatehouse.api.cluster.GroupAuthenticator;
import io.gatehouse.api.config.ConfigObject;
import io.gatehouse.api.config.ConfigService;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Tells who sent a request from its bearer token: the node's bootstrap token, or one of the group's
 * {@code ApiToken} objects (looked up by the token's SHA-256 in a table rebuilt when the applied index moves,
 * so a token made or deleted on any node of the group counts here once its write is applied here).
 * Thread-safe.
 */
final class Authenticator {
    static final String KIND = "ApiToken";

    private final ConfigService config;
    private final String bootstrap;
    private final Supplier<GroupAuthenticator> cluster;
    private volatile Table table = new Table(Long.MIN_VALUE, Map.of());

    /** The group's tokens as of one applied index. */
    private record Table(long index, Map<String, Caller> byHash) {
    }

    /**
     * @param bootstrap the SHA-256 of this node's bootstrap token, or null when it has none
     * @param cluster   checks requests signed with the cluster secret (read on every such request; may give null)
     */
    Authenticator(ConfigService config, String bootstrap, Supplier<GroupAuthenticator> cluster) {
        this.config = config;
        this.bootstrap = bootstrap;
        this.cluster = cluster;
    }

    /** The cluster bundle's check of signed requests; null while it is absent. */
    GroupAuthenticator cluster() {
        return cluster.get();
    }

    /** The caller of a request with these {@code Authorization} fields; null when none is known. */
    Caller authenticate(List<String> authorization) {
        String token = AdminTokens.bearer(authorization);
        if (token == null) {
            return null;
        }
        String hash = AdminTokens.hash(token);
        if (bootstrap != null && MessageDigest.isEqual(bootstrap.getBytes(StandardCharsets.US_ASCII),
                hash.getBytes(StandardCharsets.US_ASCII))) {
            return new Caller(BootstrapToken.NAME, Caller.Access.ADMIN);
        }
        return table().byHash().get(hash);
    }

    private Table table() {
        Table t = table;
        long index = config.appliedIndex();
        if (t.index() == index) {
            return t;
        }
        Map<String, Caller> byHash = new HashMap<>();
        for (ConfigObject o : config.list(KIND)) {
            Caller.Access access = Caller.Access.of(o.spec().path("role").asText());
            String hash = o.spec().path("sha256").asText();
            if (access != null && !hash.isEmpty()) {
                byHash.put(hash, new Caller(o.name(), access));
            }
        }
        t = new Table(index, Map.copyOf(byHash));
        table = t;
        return t;
    }
}
