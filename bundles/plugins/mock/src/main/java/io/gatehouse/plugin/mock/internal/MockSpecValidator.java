package io.gatehouse.plugin.mock.internal;

import io.gatehouse.api.config.Violations;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** The rules of a mock spec that its type cannot express, each at the path of its field. */
final class MockSpecValidator {
    static final int MAX_BODY = 1024 * 1024;

    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+\\-.^_`|~0-9A-Za-z]+");
    /**
     * RFC 9110 field-value restricted to ASCII: visible characters, with spaces and tabs only inside. Anything
     * else would reach the client mangled (a field carries bytes, not UTF-8 text) or as a control character
     * that makes clients reject the whole response.
     */
    private static final Pattern FIELD_VALUE = Pattern.compile("([\\x21-\\x7E]([\\t\\x20-\\x7E]*[\\x21-\\x7E])?)?");
    /** Fields that describe the connection or the framing: the gateway sets them, a spec may not. */
    private static final Set<String> RESERVED = Set.of("content-length", "transfer-encoding", "connection",
            "keep-alive", "upgrade", "te", "trailer", "proxy-connection");

    private MockSpecValidator() {
    }

    static void validate(MockSpec spec, Violations v) {
        int status = spec.status();
        if (status < 100 || status > 599) {
            v.add("status", "must be 100..599, found " + status);
        } else if (status < 200) {
            v.add("status", "a 1xx status is an interim response and cannot answer a request; use 200..599");
        }
        for (Map.Entry<String, String> header : spec.headers().entrySet()) {
            String name = header.getKey();
            if (!TOKEN.matcher(name).matches()) {
                v.at("headers").add(name, "'" + name + "' is not a valid header name");
            } else if (RESERVED.contains(name.toLowerCase(Locale.ROOT))) {
                v.at("headers").add(name, name + " is set by the gateway");
            }
            String value = header.getValue();
            if (value == null) {
                v.at("headers").add(name, "a header value must be a string");
            } else if (!FIELD_VALUE.matcher(value).matches()) {
                v.at("headers").add(name, "a header value must be visible ASCII characters, with spaces and tabs only"
                        + " between them (no line breaks, control characters or leading and trailing blanks)");
            }
        }
        boolean bodyless = status == 204 || status == 304 || status < 200;
        if (spec.echo() && spec.body() != null) {
            v.add("echo", "echo replaces the body: set either body or echo");
        }
        if (bodyless && (spec.echo() || (spec.body() != null && !spec.body().isEmpty()))) {
            v.add(spec.echo() ? "echo" : "body", "a " + status + " response has no body");
        }
        if (spec.body() != null && spec.body().getBytes(StandardCharsets.UTF_8).length > MAX_BODY) {
            v.add("body", "at most " + MAX_BODY + " bytes (UTF-8)");
        }
    }
}
