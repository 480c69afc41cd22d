package io.gatehouse.api.config;

import java.util.Objects;

/**
 * One reason an object was rejected: the JSON path of the offending field (for example
 * {@code $.spec.rules[2].pipeline}) and a human-readable reason.
 *
 * @param path    JSON path from the root of the submitted object, starting with {@code $}
 * @param message why the value is not acceptable, phrased for the person who wrote it
 */
public record Violation(String path, String message) {
    public Violation {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(message, "message");
    }

    @Override
    public String toString() {
        return path + ": " + message;
    }
}
