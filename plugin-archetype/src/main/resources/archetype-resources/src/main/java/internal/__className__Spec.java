package ${package}.internal;

/**
 * The {@code ${kind}} spec as written in a pipeline, bound by the gateway (unknown fields are refused with their
 * path). Defaults belong in the constructor; rules a type cannot express in {@link ${className}PluginKind#validate}.
 *
 * @param header the response header to set, for example {@code X-Served-By}
 * @param value  its value
 */
public record ${className}Spec(String header, String value) {
}
