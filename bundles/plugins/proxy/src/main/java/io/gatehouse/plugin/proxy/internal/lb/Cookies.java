package io.gatehouse.plugin.proxy.internal.lb;

import io.gatehouse.api.plugin.Headers;

/**
 * Reads one cookie from the request's {@code Cookie} fields (RFC 6265 section 5.4 {@code cookie-string}:
 * pairs separated by {@code ;}; HTTP/2 clients may send several fields). Names are case-sensitive; a
 * value in double quotes is unquoted. Lenient about spaces, as browsers are.
 */
final class Cookies {
    private Cookies() {
    }

    /** The value of the first cookie named {@code name}, or null when there is none. */
    static String value(Headers headers, String name) {
        for (String line : headers.getAll("Cookie")) {
            String value = value(line, name);
            if (value != null) {
                return value;
            }
        }
        return null;
    }

    static String value(String line, String name) {
        int pos = 0;
        int length = line.length();
        while (pos < length) {
            int end = line.indexOf(';', pos);
            if (end < 0) {
                end = length;
            }
            int start = skipSpaces(line, pos, end);
            int eq = line.indexOf('=', start);
            if (eq > start && eq < end && trimmedEnd(line, start, eq) - start == name.length()
                    && line.startsWith(name, start)) {
                return unquote(line.substring(skipSpaces(line, eq + 1, end), trimmedEnd(line, eq + 1, end)));
            }
            pos = end + 1;
        }
        return null;
    }

    private static int skipSpaces(String s, int from, int to) {
        while (from < to && isSpace(s.charAt(from))) {
            from++;
        }
        return from;
    }

    private static int trimmedEnd(String s, int from, int to) {
        while (to > from && isSpace(s.charAt(to - 1))) {
            to--;
        }
        return to;
    }

    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t';
    }

    private static String unquote(String value) {
        if (value.length() >= 2 && value.charAt(0) == '"' && value.charAt(value.length() - 1) == '"') {
            return value.substring(1, value.length() - 1);
        }
        return value;
    }
}
