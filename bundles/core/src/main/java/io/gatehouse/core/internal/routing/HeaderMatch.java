package io.gatehouse.core.internal.routing;

import io.gatehouse.api.plugin.Headers;
import java.util.List;
import java.util.regex.Pattern;

/** One header condition of a rule: some value of the field equals {@code value} or matches {@code regex}. */
public final class HeaderMatch {
    private final String name;
    private final String value;
    private final Pattern regex;

    public HeaderMatch(String name, String value, Pattern regex) {
        this.name = name;
        this.value = value;
        this.regex = regex;
    }

    /** {@code Name:value} or {@code Name~regex}. */
    public String describe() {
        return value != null ? name + ":" + value : name + "~" + regex.pattern();
    }

    public boolean matches(Headers headers) {
        if (value != null) {
            return headers.contains(name, value, false);
        }
        List<String> values = headers.getAll(name);
        for (int i = 0; i < values.size(); i++) {
            if (regex.matcher(values.get(i)).find()) {
                return true;
            }
        }
        return false;
    }
}
