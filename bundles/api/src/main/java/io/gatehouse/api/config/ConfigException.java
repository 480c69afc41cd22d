package io.gatehouse.api.config;

import java.util.List;

/**
 * A configuration change that was refused. Nothing of the change has been applied or logged when this is
 * thrown. {@link #status()} is the HTTP status an API should answer with; {@link #violations()} names the
 * offending fields.
 */
public class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Malformed document, unknown kind or plugin, invalid value: HTTP 400. */
    public static final String INVALID = "invalid";
    /** Duplicate name, port in use, conflicting routes, object still referenced: HTTP 409. */
    public static final String CONFLICT = "conflict";
    /** The object does not exist: HTTP 404. */
    public static final String NOT_FOUND = "not_found";
    /** The change was valid but could not be made durable or applied: HTTP 500/503. */
    public static final String UNAVAILABLE = "unavailable";

    /** The write was not committed in time; it may still commit (retry with the same request id): HTTP 504. */
    public static final String TIMEOUT = "timeout";

    private final int status;
    private final String code;
    private final List<Violation> violations;

    public ConfigException(int status, String code, String message, List<Violation> violations) {
        super(message);
        this.status = status;
        this.code = code;
        this.violations = List.copyOf(violations);
    }

    public ConfigException(int status, String code, String message, Throwable cause) {
        super(message, cause);
        this.status = status;
        this.code = code;
        this.violations = List.of();
    }

    public static ConfigException invalid(List<Violation> violations) {
        return new ConfigException(400, INVALID, summary("invalid configuration", violations), violations);
    }

    public static ConfigException invalid(String path, String message) {
        return invalid(List.of(new Violation(path, message)));
    }

    public static ConfigException conflict(String path, String message) {
        List<Violation> v = List.of(new Violation(path, message));
        return new ConfigException(409, CONFLICT, summary("conflict", v), v);
    }

    public static ConfigException notFound(String kind, String name) {
        return new ConfigException(404, NOT_FOUND, kind + " '" + name + "' does not exist", List.of());
    }

    private static String summary(String what, List<Violation> violations) {
        if (violations.isEmpty()) {
            return what;
        }
        return what + ": " + violations.get(0) + (violations.size() > 1 ? " (and " + (violations.size() - 1) + " more)" : "");
    }

    /** The HTTP status an API answers with (400, 404, 409, 500, 503 or 504). */
    public int status() {
        return status;
    }

    /** One of {@link #INVALID}, {@link #CONFLICT}, {@link #NOT_FOUND}, {@link #UNAVAILABLE}, {@link #TIMEOUT}. */
    public String code() {
        return code;
    }

    /** The offending fields, possibly empty (for example for {@link #NOT_FOUND}). */
    public List<Violation> violations() {
        return violations;
    }
}
