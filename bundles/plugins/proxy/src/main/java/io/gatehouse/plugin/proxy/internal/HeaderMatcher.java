package io.gatehouse.plugin.proxy.internal;

import io.gatehouse.api.plugin.Headers;
import java.util.List;
import java.util.regex.Pattern;

/**
 * One header condition of a pool: some value of the field equals {@code value} exactly, or contains a
 * match of {@code regex} (anchor it with {@code ^...$} to match the whole value). A missing field never
 * matches.
 */
final class HeaderMatcher {
    private final String name;
    private final String value;
    private final Pattern regex;

    private HeaderMatcher(String name, String value, Pattern regex) {
        this.name = name;
        this.value = value;
        this.regex = regex;
    }

    static HeaderMatcher of(ProxySpec.HeaderMatch spec) {
        return new HeaderMatcher(spec.name(), spec.value(),
                spec.regex() == null ? null : Pattern.compile(spec.regex()));
    }

    boolean matches(Headers headers) {
        List<String> values = headers.getAll(name);
        for (int i = 0; i < values.size(); i++) {
            String v = values.get(i);
            if (regex == null ? value.equals(v) : regex.matcher(v).find()) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return name + (regex == null ? " = " + value : " ~ " + regex.pattern());
    }
}
