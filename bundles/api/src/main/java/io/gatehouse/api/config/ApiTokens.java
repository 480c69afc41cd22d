package io.gatehouse.api.config;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Named admin API tokens, as the admin API and the shell make them (docs/operations.md §1): a token is
 * {@code gh_} and 32 random bytes in base64url, made by the gateway and shown once; the configuration keeps
 * an {@value #KIND} object with its role, its SHA-256 and when it was made, written through the operation log
 * like any object. A token is a random secret, not a password: one fast hash is enough.
 *
 * @since 1.6
 */
public final class ApiTokens {
    /** The kind of the objects that hold named tokens (hidden from the objects API). */
    public static final String KIND = "ApiToken";
    /** What a token's name may be. */
    public static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");
    /** Names callers already have: the node's own token, requests of other nodes, requests without a token. */
    public static final Set<String> RESERVED = Set.of("bootstrap", "cluster", "anonymous");
    /** The roles: every GET, or everything. */
    public static final Set<String> ROLES = Set.of("read", "admin");

    private static final SecureRandom RANDOM = new SecureRandom();

    private ApiTokens() {
    }

    /** A new token. */
    public static String generate() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return "gh_" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** Lowercase hex SHA-256 of the token's bytes: all the gateway keeps of it. */
    public static String sha256(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no SHA-256", e);
        }
    }

    /** Why {@code name} cannot name a token, or null when it can. */
    public static String nameProblem(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            return "must match " + NAME.pattern();
        }
        return RESERVED.contains(name) ? "'" + name + "' is reserved" : null;
    }

    /** The object that makes {@code token} a token named {@code name} with {@code role}, made now. */
    public static ConfigObject object(String name, String role, String token) {
        ObjectNode spec = JsonNodeFactory.instance.objectNode();
        spec.put("role", role);
        spec.put("sha256", sha256(token));
        spec.put("created", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        return new ConfigObject(KIND, name, spec, 0);
    }
}
