package io.gatehouse.admin.internal;

import io.gatehouse.api.config.ApiTokens;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Admin API tokens: how one is made ({@code gh_} and 32 random bytes in base64url), the SHA-256 that is all
 * the gateway keeps of it, and how a request carries it ({@code Authorization: Bearer <token>}). A token is a
 * random secret, not a password, so one fast hash is enough: nobody can guess 256 random bits from their hash.
 */
final class AdminTokens {
    /** The shortest token accepted from outside (GATEHOUSE_ADMIN_TOKEN): as long as a generated one's entropy. */
    static final int MIN_LENGTH = 32;
    /** Longer values are refused before they are hashed. */
    static final int MAX_LENGTH = 512;
    /** What a token may hold: printable ASCII without spaces (it travels in a header). */
    private static final Pattern CHARACTERS = Pattern.compile("[\\x21-\\x7e]+");
    private static final String BEARER = "bearer ";

    /** A new token. */
    String generate() {
        return ApiTokens.generate();
    }

    /** Lowercase hex SHA-256 of the token's bytes. */
    static String hash(String token) {
        return ApiTokens.sha256(token);
    }

    /** Why {@code token} cannot be a token (it comes from outside), or null when it can. */
    static String problem(String token) {
        if (token.length() < MIN_LENGTH) {
            return "is " + token.length() + " characters long: use at least " + MIN_LENGTH;
        }
        if (token.length() > MAX_LENGTH) {
            return "is longer than " + MAX_LENGTH + " characters";
        }
        if (!CHARACTERS.matcher(token).matches()) {
            return "may hold only printable ASCII characters without spaces";
        }
        return null;
    }

    /**
     * The token of a request's {@code Authorization} fields: exactly one field, {@code Bearer <token>} (the
     * scheme in any case); null when there is none or it is not a well-formed bearer token.
     */
    static String bearer(List<String> authorization) {
        if (authorization.size() != 1) {
            return null;
        }
        String value = authorization.get(0).trim();
        if (value.length() <= BEARER.length() || !value.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return null;
        }
        String token = value.substring(BEARER.length()).trim();
        return token.length() <= MAX_LENGTH && CHARACTERS.matcher(token).matches() ? token : null;
    }
}
