package io.gatehouse.core.internal.config;

import io.gatehouse.api.config.ConfigObject;
import io.gatehouse.api.config.Violation;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The spec of an {@code ApiToken}: the token's role, the SHA-256 of the token (never the token itself) and
 * when it was made. The admin API makes these objects ({@code POST /api/v1/tokens}) and checks bearer tokens
 * against them; the core only validates and stores them (they run nothing).
 *
 * @param role    {@code read} or {@code admin}
 * @param sha256  lowercase hex SHA-256 of the token's UTF-8 bytes, 64 characters
 * @param created ISO-8601 instant, optional
 */
public record ApiTokenSpec(String role, String sha256, String created) {
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final List<String> ROLES = List.of("read", "admin");

    /** Binds and checks {@code o}'s spec, adding violations under {@code prefix}. */
    static void validate(SpecBinder binder, ConfigObject o, String prefix, List<Violation> invalid) {
        String base = prefix + ".spec";
        ApiTokenSpec spec = binder.bind(o.spec(), ApiTokenSpec.class, base, invalid);
        if (spec == null) {
            return;
        }
        if (spec.role() == null) {
            invalid.add(new Violation(base + ".role", "is required: read or admin"));
        } else if (!ROLES.contains(spec.role())) {
            invalid.add(new Violation(base + ".role", "must be read or admin"));
        }
        if (spec.sha256() == null) {
            invalid.add(new Violation(base + ".sha256", "is required: the token's SHA-256 as 64 lowercase hex digits"));
        } else if (!SHA256.matcher(spec.sha256()).matches()) {
            invalid.add(new Violation(base + ".sha256", "must be 64 lowercase hex digits (a SHA-256)"));
        }
        if (spec.created() != null) {
            try {
                Instant.parse(spec.created());
            } catch (DateTimeParseException e) {
                invalid.add(new Violation(base + ".created", "must be an ISO-8601 instant such as 2026-12-04T10:15:30Z"));
            }
        }
    }
}
