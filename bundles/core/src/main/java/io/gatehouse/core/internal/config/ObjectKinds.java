package io.gatehouse.core.internal.config;

import java.util.List;
import java.util.regex.Pattern;

/** The object kinds the core accepts and the naming rule every object obeys. */
public final class ObjectKinds {
    public static final String HTTP_SERVER = "HTTPServer";
    public static final String PIPELINE = "Pipeline";
    /** An admin API token: its name, role and SHA-256 (docs/operations.md, "Authentication"). */
    public static final String API_TOKEN = "ApiToken";

    /** A certificate chain and its private key, referenced by HTTPServers (docs/configuration.md). */
    public static final String TLS_CERTIFICATE = "TLSCertificate";

    /** Accepted kinds, in the order they are reported. */
    public static final List<String> ALL = List.of(HTTP_SERVER, PIPELINE, API_TOKEN, TLS_CERTIFICATE);

    /** Object and plugin names. */
    public static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");

    public static final String NAME_RULE = "must match [A-Za-z0-9][A-Za-z0-9._-]{0,62}";

    private ObjectKinds() {
    }

    public static boolean known(String kind) {
        return ALL.contains(kind);
    }

    public static String unknownKindMessage(String kind) {
        return "unknown kind '" + kind + "': accepted kinds are " + String.join(", ", ALL);
    }

    /** Writes a JSON path prefix for an object: {@code $} alone, {@code $[i]} within a batch. */
    public static String prefix(int index, boolean batch) {
        return batch ? "$[" + index + "]" : "$";
    }
}
