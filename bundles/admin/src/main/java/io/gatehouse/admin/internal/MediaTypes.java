package io.gatehouse.admin.internal;

import io.gatehouse.api.config.ConfigFormat;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Content negotiation for the admin API: which format a request body is written in, and whether the client
 * prefers YAML over JSON for the response.
 */
final class MediaTypes {
    static final String JSON = "application/json; charset=utf-8";
    static final String YAML = "application/yaml; charset=utf-8";

    private static final Set<String> YAML_TYPES = Set.of("application/yaml", "application/x-yaml", "text/yaml",
            "text/x-yaml");
    /** Types that say nothing about the syntax: the body is sniffed. */
    private static final Set<String> SNIFFED_TYPES = Set.of("text/plain", "application/octet-stream");

    private MediaTypes() {
    }

    /**
     * The format a body declared with {@code contentType} is written in; empty when the body must be sniffed
     * (no Content-Type, {@code text/plain}, {@code application/octet-stream}).
     *
     * @throws ApiException 415 for any other type (form data, XML, ...) or a charset other than UTF-8
     */
    static Optional<ConfigFormat> declaredFormat(String contentType) {
        if (contentType == null || contentType.isBlank()) {
            return Optional.empty();
        }
        String[] parts = contentType.split(";");
        String type = parts[0].trim().toLowerCase(Locale.ROOT);
        for (int i = 1; i < parts.length; i++) {
            String param = parts[i].trim().toLowerCase(Locale.ROOT);
            if (param.startsWith("charset=")) {
                String charset = param.substring("charset=".length()).replace("\"", "").trim();
                if (!charset.equals("utf-8") && !charset.equals("us-ascii")) {
                    throw unsupported("charset '" + charset + "' is not supported: send UTF-8");
                }
            }
        }
        if (type.equals("application/json") || type.endsWith("+json")) {
            return Optional.of(ConfigFormat.JSON);
        }
        if (YAML_TYPES.contains(type) || type.endsWith("+yaml")) {
            return Optional.of(ConfigFormat.YAML);
        }
        if (SNIFFED_TYPES.contains(type)) {
            return Optional.empty();
        }
        String hint = type.equals("application/x-www-form-urlencoded")
                ? " (curl sends it by default with -d/--data-binary: add -H 'Content-Type: application/yaml')" : "";
        throw unsupported("Content-Type '" + type + "' is not supported: send application/json or application/yaml"
                + hint);
    }

    /** JSON when the first character that is not blank (after an optional UTF-8 BOM) is '{' or '[', else YAML. */
    static ConfigFormat sniff(byte[] body) {
        int i = body.length >= 3 && (body[0] & 0xff) == 0xef && (body[1] & 0xff) == 0xbb && (body[2] & 0xff) == 0xbf
                ? 3 : 0;
        while (i < body.length && Character.isWhitespace(body[i])) {
            i++;
        }
        return i < body.length && (body[i] == '{' || body[i] == '[') ? ConfigFormat.JSON : ConfigFormat.YAML;
    }

    /**
     * True when the Accept header's preferred explicit media type (highest q, earliest on ties) is a YAML type.
     * Wildcards, JSON, absent or unknown types all mean JSON.
     */
    static boolean prefersYaml(String accept) {
        if (accept == null) {
            return false;
        }
        double best = 0;
        boolean yaml = false;
        for (String range : accept.split(",")) {
            String[] parts = range.split(";");
            String type = parts[0].trim().toLowerCase(Locale.ROOT);
            boolean isYaml = YAML_TYPES.contains(type) || type.endsWith("+yaml");
            boolean isJson = type.equals("application/json") || type.endsWith("+json");
            if (!isYaml && !isJson) {
                continue;
            }
            double q = quality(parts);
            if (q > best) {
                best = q;
                yaml = isYaml;
            }
        }
        return yaml;
    }

    private static double quality(String[] parts) {
        for (int i = 1; i < parts.length; i++) {
            String param = parts[i].trim();
            if (param.startsWith("q=")) {
                try {
                    return Double.parseDouble(param.substring(2).trim());
                } catch (NumberFormatException e) {
                    return 0;
                }
            }
        }
        return 1;
    }

    private static ApiException unsupported(String message) {
        return new ApiException(415, "unsupported_media_type", message);
    }
}
