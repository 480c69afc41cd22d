package io.gatehouse.api.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the human-friendly values configuration uses: durations ({@code 250ms}, {@code 5s}, {@code 2m},
 * {@code 1h}) and sizes ({@code 512}, {@code 16KiB}, {@code 10MB}, {@code 1GiB}; KB/MB/GB are decimal,
 * KiB/MiB/GiB binary). Failures throw {@link IllegalArgumentException} with a message fit for a
 * {@link Violation}.
 */
public final class Units {
    private static final Pattern DURATION = Pattern.compile("(\\d{1,12})(ms|s|m|h)");
    private static final Pattern SIZE = Pattern.compile("(\\d{1,15})\\s*(B|KB|KiB|MB|MiB|GB|GiB)?");

    private Units() {
    }

    /** Parses a duration such as {@code 5s}; a bare number is not accepted (the unit must be explicit). */
    public static Duration duration(String text) {
        if (text == null) {
            throw new IllegalArgumentException("a duration is required, such as 250ms, 5s, 2m or 1h");
        }
        Matcher m = DURATION.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a duration: use a number with ms, s, m or h, such as 5s");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
        };
    }

    /** Parses a size in bytes such as {@code 16KiB} or {@code 1048576}. */
    public static long bytes(String text) {
        if (text == null) {
            throw new IllegalArgumentException("a size is required, such as 8192, 16KiB or 10MB");
        }
        Matcher m = SIZE.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException(
                    "'" + text + "' is not a size: use bytes or a number with KB, KiB, MB, MiB, GB or GiB");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "B" : m.group(2);
        long factor = switch (unit) {
            case "KB" -> 1000L;
            case "KiB" -> 1024L;
            case "MB" -> 1000L * 1000;
            case "MiB" -> 1024L * 1024;
            case "GB" -> 1000L * 1000 * 1000;
            case "GiB" -> 1024L * 1024 * 1024;
            default -> 1L;
        };
        if (n > Long.MAX_VALUE / factor) {
            throw new IllegalArgumentException("'" + text + "' is too large");
        }
        return n * factor;
    }
}
