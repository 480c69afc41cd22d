package io.gatehouse.admin.internal;

import io.gatehouse.api.config.Violation;
import java.util.List;

/**
 * An error the HTTP layer itself detects (unknown path, wrong method, unsupported media type, body too large,
 * URL and body disagreeing). Rendered exactly like a {@link io.gatehouse.api.config.ConfigException}.
 */
final class ApiException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String code;
    private final transient List<Violation> violations;

    ApiException(int status, String code, String message, List<Violation> violations) {
        super(message);
        this.status = status;
        this.code = code;
        this.violations = List.copyOf(violations);
    }

    ApiException(int status, String code, String message) {
        this(status, code, message, List.of());
    }

    int status() {
        return status;
    }

    String code() {
        return code;
    }

    List<Violation> violations() {
        return violations;
    }
}
