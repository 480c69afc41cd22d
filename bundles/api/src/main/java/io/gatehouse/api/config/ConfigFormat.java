package io.gatehouse.api.config;

/** The text formats configuration documents may be written in. */
public enum ConfigFormat {
    JSON,
    /** YAML; a YAML stream may hold several documents separated by {@code ---}. */
    YAML
}
