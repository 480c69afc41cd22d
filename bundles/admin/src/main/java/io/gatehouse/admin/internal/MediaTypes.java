package io.gatehouse.admin.internal;

import io.gatehouse.api.config.ConfigFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Content negotiation for the admin API: which format a request body is written in, and whether the client
 * prefers YAML over JSON for the response. Media types are parsed per RFC 9110 §8.3.1 ({@code type/subtype}
 * followed by {@code ;name=value} parameters, values tokens or quoted strings); a Content-Type that is not a
 * media type is refused, a malformed range in Accept is ignored.
 */
final class MediaTypes {
    static final String JSON = "application/json; charset=utf-8";
    static final String YAML = "application/yaml; charset=utf-8";

    private static final Set<String> YAML_TYPES = Set.of("application/yaml", "application/x-yaml", "text/yaml",
            "text/x-yaml");
    /** Types that say nothing about the syntax: the body is sniffed. */
    private static final Set<String> SNIFFED_TYPES = Set.of("text/plain", "application/octet-stream");
    private static final String TOKEN_SYMBOLS = "!#$%&'*+.^_`|~-";
    private static final Pattern QUALITY = Pattern.compile("0(\\.[0-9]{0,3})?|1(\\.0{0,3})?");
    /** Longest header value shown back in an error message. */
    private static final int SHOWN = 80;

    /** A parsed media type: {@code type/subtype} in lower case and its parameters (names in lower case). */
    record MediaType(String type, Map<String, String> parameters) {
    }

    private MediaTypes() {
    }

    /**
     * The format a body declared with {@code contentType} is written in; empty when the body must be sniffed
     * (no Content-Type, {@code text/plain}, {@code application/octet-stream}).
     *
     * @throws ApiException 415 for a value that is not a media type, any other type (form data, XML, ...) or
     *                      a charset other than UTF-8
     */
    static Optional<ConfigFormat> declaredFormat(String contentType) {
        if (contentType == null || contentType.isBlank()) {
            return Optional.empty();
        }
        MediaType media = parse(contentType);
        if (media == null) {
            throw unsupported("Content-Type '" + shown(contentType) + "' is not a media type such as"
                    + " application/json or application/yaml");
        }
        String charset = media.parameters().get("charset");
        if (charset != null) {
            String c = charset.toLowerCase(Locale.ROOT);
            if (!c.equals("utf-8") && !c.equals("us-ascii")) {
                throw unsupported("charset '" + shown(charset) + "' is not supported: send UTF-8");
            }
        }
        String type = media.type();
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
        throw unsupported("Content-Type '" + shown(type) + "' is not supported: send application/json or application/yaml"
                + hint);
    }

    /**
     * Parses one media type or media range; null when {@code value} is not one (no {@code type/subtype},
     * a parameter without {@code =}, an unterminated quoted string, characters outside the grammar).
     */
    static MediaType parse(String value) {
        Cursor s = new Cursor(value);
        s.whitespace();
        String type = s.token();
        if (type == null || !s.take('/')) {
            return null;
        }
        String subtype = s.token();
        if (subtype == null) {
            return null;
        }
        Map<String, String> parameters = new LinkedHashMap<>();
        s.whitespace();
        while (s.take(';')) {
            s.whitespace();
            if (s.atEnd() || s.peek() == ';') {
                continue; // RFC 9110 allows empty parameters ("text/plain;;charset=utf-8")
            }
            String name = s.token();
            if (name == null || !s.take('=')) {
                return null;
            }
            String v = s.peek() == '"' ? s.quoted() : s.token();
            if (v == null) {
                return null;
            }
            parameters.putIfAbsent(name.toLowerCase(Locale.ROOT), v);
            s.whitespace();
        }
        return s.atEnd() ? new MediaType((type + "/" + subtype).toLowerCase(Locale.ROOT), parameters) : null;
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
     * Wildcards, JSON, absent, unknown or malformed ranges all mean JSON.
     */
    static boolean prefersYaml(String accept) {
        if (accept == null) {
            return false;
        }
        double best = 0;
        boolean yaml = false;
        for (String range : accept.split(",")) {
            MediaType media = parse(range);
            if (media == null) {
                continue;
            }
            String type = media.type();
            boolean isYaml = YAML_TYPES.contains(type) || type.endsWith("+yaml");
            boolean isJson = type.equals("application/json") || type.endsWith("+json");
            String q = media.parameters().getOrDefault("q", "1");
            if (!isYaml && !isJson || !QUALITY.matcher(q).matches()) {
                continue;
            }
            double quality = Double.parseDouble(q);
            if (quality > best) {
                best = quality;
                yaml = isYaml;
            }
        }
        return yaml;
    }

    private static boolean tokenChar(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || TOKEN_SYMBOLS.indexOf(c) >= 0;
    }

    private static String shown(String value) {
        String v = value.length() > SHOWN ? value.substring(0, SHOWN) + "..." : value;
        StringBuilder b = new StringBuilder(v.length());
        v.codePoints().forEach(c -> b.appendCodePoint(c < 0x20 || c == 0x7f ? '?' : c));
        return b.toString();
    }

    private static ApiException unsupported(String message) {
        return new ApiException(415, "unsupported_media_type", message);
    }

    /** A cursor over a header value. */
    private static final class Cursor {
        private final String text;
        private int pos;

        Cursor(String text) {
            this.text = text;
        }

        boolean atEnd() {
            return pos >= text.length();
        }

        char peek() {
            return atEnd() ? '\0' : text.charAt(pos);
        }

        boolean take(char c) {
            if (peek() == c && !atEnd()) {
                pos++;
                return true;
            }
            return false;
        }

        void whitespace() {
            while (!atEnd() && (peek() == ' ' || peek() == '\t')) {
                pos++;
            }
        }

        String token() {
            int start = pos;
            while (!atEnd() && tokenChar(peek())) {
                pos++;
            }
            return pos > start ? text.substring(start, pos) : null;
        }

        /** A quoted-string's content (backslash escapes resolved), or null when it is not terminated. */
        String quoted() {
            StringBuilder b = new StringBuilder();
            pos++;
            while (!atEnd()) {
                char c = text.charAt(pos++);
                if (c == '"') {
                    return b.toString();
                }
                if (c == '\\') {
                    if (atEnd()) {
                        return null;
                    }
                    c = text.charAt(pos++);
                }
                if (c < 0x20 && c != '\t' || c == 0x7f) {
                    return null;
                }
                b.append(c);
            }
            return null;
        }
    }
}
