package io.gatehouse.core.internal.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns parser and binder messages into the gateway's own words: no Java class names, no Jackson feature
 * names or token names, no {@code [Source: REDACTED ...]} locations (their line and column are kept), no
 * SnakeYAML event dumps. What a message says about the document itself (the unexpected character, the
 * duplicate field) is kept.
 */
final class ParseMessages {
    private static final Pattern LOCATION = Pattern.compile("\\[Source: .*?; line: (\\d+), column: (\\d+)\\]");
    private static final Pattern CONSTRAINT = Pattern.compile(
            "(Document nesting depth|Number value length|String value length|Name length|Document length)"
                    + " \\(\\d+\\) exceeds the maximum allowed \\((\\d+).*", Pattern.DOTALL);
    private static final Pattern FEATURE_HINT = Pattern.compile(
            "\\s*[:;(]?\\s*(enable|disable|not allowed as per|from) `[^`]*`( to allow)?\\)?");
    private static final Pattern OUT_OF_RANGE = Pattern.compile(
            "Numeric value \\(([^)]{1,40})[^)]*\\) out of range of (int|long|short|byte)\\b.*", Pattern.DOTALL);
    private static final Pattern REFERENCE_CHAIN = Pattern.compile("\\s*\\(through reference chain: [^\\n]*\\)");
    private static final Pattern BOUND_AS = Pattern.compile("\\s*\\(bound as `[^`]*`\\)");
    private static final Pattern YAML_EVENT = Pattern.compile("<org\\.yaml\\.snakeyaml\\.events\\.(\\w+?)Event\\b[^>]*>");
    private static final Pattern EXCEPTION_PREFIX = Pattern.compile(
            "\\b(?:[a-z_][\\w$]*\\.)+[A-Z][\\w$]*(?:Exception|Error):\\s*");
    private static final Pattern QUOTED_TYPE = Pattern.compile("`([^`]*)`");
    private static final Pattern TOKEN = Pattern.compile(
            "\\b(?:JsonToken\\.)?(START_OBJECT|END_OBJECT|START_ARRAY|END_ARRAY|FIELD_NAME|VALUE_STRING"
                    + "|VALUE_NUMBER_INT|VALUE_NUMBER_FLOAT|VALUE_TRUE|VALUE_FALSE|VALUE_NULL|VALUE_EMBEDDED_OBJECT)\\b");
    private static final Map<String, String> TOKENS = Map.ofEntries(
            Map.entry("START_OBJECT", "'{'"), Map.entry("END_OBJECT", "'}'"), Map.entry("START_ARRAY", "'['"),
            Map.entry("END_ARRAY", "']'"), Map.entry("FIELD_NAME", "a field name"),
            Map.entry("VALUE_STRING", "a string"), Map.entry("VALUE_NUMBER_INT", "an integer"),
            Map.entry("VALUE_NUMBER_FLOAT", "a number"), Map.entry("VALUE_TRUE", "true"),
            Map.entry("VALUE_FALSE", "false"), Map.entry("VALUE_NULL", "null"),
            Map.entry("VALUE_EMBEDDED_OBJECT", "binary data"));
    private static final Map<String, String> EVENTS = Map.of("MappingStart", "a mapping", "SequenceStart", "a list",
            "Scalar", "a value", "Alias", "an alias", "MappingEnd", "the end of a mapping",
            "SequenceEnd", "the end of a list", "DocumentEnd", "the end of the document");
    private static final Map<String, String> LIMITS = Map.of(
            "Document nesting depth", "the document is nested deeper than %s levels",
            "Number value length", "a number is longer than %s characters",
            "String value length", "a string is longer than %s characters",
            "Name length", "a field name is longer than %s characters",
            "Document length", "the document is longer than %s characters");

    private ParseMessages() {
    }

    /** "syntax error at line L, column C: what" (without the location when the parser gives none). */
    static String syntax(JsonProcessingException e) {
        JsonLocation loc = e.getLocation();
        String what = describe(e.getOriginalMessage());
        if (loc == null || loc.getLineNr() < 0) {
            return "syntax error: " + what;
        }
        return "syntax error at line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ": " + what;
    }

    /** The gist of a parser or binder message, in the gateway's words. */
    static String describe(String message) {
        if (message == null) {
            return "malformed document";
        }
        Matcher limit = CONSTRAINT.matcher(message.trim());
        if (limit.matches()) {
            // the parser's own nesting limit is a backstop far above the codec's: state the codec's
            String bound = limit.group(1).equals("Document nesting depth") ? String.valueOf(ConfigCodec.MAX_DEPTH)
                    : limit.group(2);
            return String.format(LIMITS.get(limit.group(1)), bound);
        }
        Matcher range = OUT_OF_RANGE.matcher(message.trim());
        if (range.matches()) {
            return "the number " + range.group(1) + " is out of range";
        }
        if (message.startsWith("Trailing token")) {
            return "more than one value: a JSON document is one object or one array of objects";
        }
        return clean(summary(message));
    }

    /** Rewrites internals out of a message; see the class comment. */
    static String clean(String message) {
        if (message == null) {
            return "malformed document";
        }
        String m = LOCATION.matcher(message).replaceAll("line $1, column $2");
        m = m.replace("start marker at line", "opened at line");
        m = REFERENCE_CHAIN.matcher(m).replaceAll("");
        m = BOUND_AS.matcher(m).replaceAll("");
        m = FEATURE_HINT.matcher(m).replaceAll("");
        m = replace(YAML_EVENT, m, g -> EVENTS.getOrDefault(g, "another construct"));
        m = EXCEPTION_PREFIX.matcher(m).replaceAll("");
        m = replace(TOKEN, m, TOKENS::get);
        m = replace(QUOTED_TYPE, m, ParseMessages::typeName);
        return m.trim();
    }

    private static String replace(Pattern pattern, String text, java.util.function.UnaryOperator<String> f) {
        Matcher matcher = pattern.matcher(text);
        StringBuilder b = new StringBuilder();
        while (matcher.find()) {
            matcher.appendReplacement(b, Matcher.quoteReplacement(f.apply(matcher.group(1))));
        }
        matcher.appendTail(b);
        return b.toString();
    }

    /** A Java type as a person writing a document thinks of it. */
    private static String typeName(String type) {
        String t = type.replaceAll("<.*", "");
        return switch (t) {
            case "java.lang.String" -> "a string";
            case "int", "long", "short", "java.lang.Integer", "java.lang.Long", "java.lang.Short" -> "an integer";
            case "double", "float", "java.lang.Double", "java.lang.Float", "java.math.BigDecimal" -> "a number";
            case "boolean", "java.lang.Boolean" -> "true or false";
            default -> t.startsWith("java.util.") && (t.endsWith("List") || t.endsWith("Set")) ? "a list"
                    : t.contains(".") ? "an object" : t;
        };
    }

    /**
     * The gist of a multi-line message: the first line, or for SnakeYAML's "context / excerpt / problem /
     * excerpt" layout the problem followed by its context.
     */
    static String summary(String message) {
        List<String> lines = new ArrayList<>();
        for (String line : message.split("\n")) {
            if (!line.isBlank() && !Character.isWhitespace(line.charAt(0))) {
                lines.add(line.trim());
            }
        }
        if (lines.isEmpty()) {
            return message.trim();
        }
        if (lines.size() == 1) {
            return lines.get(0);
        }
        return lines.get(lines.size() - 1) + " (" + lines.get(0) + ")";
    }
}
