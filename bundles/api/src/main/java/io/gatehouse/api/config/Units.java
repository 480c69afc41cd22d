package io.gatehouse.api.config;

import java.math.BigInteger;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the human-friendly values configuration uses: durations ({@code 250ms}, {@code 5s}, {@code 2m},
 * {@code 1h}) and sizes ({@code 512}, {@code 16KiB}, {@code 10MB}, {@code 1GiB}; KB/MB/GB are decimal,
 * KiB/MiB/GiB binary). Failures throw {@link IllegalArgumentException} with a message fit for a
 * {@link Violation}.
 *
 * <p>Configuration should use the bounded forms, {@link #duration(String, Duration, Duration)} and
 * {@link #bytes(String, long, long)}: every value a spec accepts then has a documented range, so that no
 * accepted value can overflow where it is used (a duration converted to nanoseconds, a size to an int).
 * Values out of range, however many digits they are written with, are refused with a message that states
 * the range in the same notation ({@code must be between 10ms and 24h, found '999999999h'}).
 */
public final class Units {
    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)");
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(B|KB|KiB|MB|MiB|GB|GiB)?");
    /** Sizes are printed with the largest binary unit that divides them, or in bytes. */
    private static final String[] BINARY_UNITS = {"GiB", "MiB", "KiB"};

    private Units() {
    }

    /**
     * Parses a duration such as {@code 5s}; a bare number is not accepted (the unit must be explicit).
     * A value too large for {@link Duration} is refused; prefer {@link #duration(String, Duration, Duration)}.
     */
    public static Duration duration(String text) {
        return duration(text, Duration.ZERO, null);
    }

    /**
     * Parses a duration such as {@code 5s} and checks that it lies within {@code min..max} (both included).
     *
     * @throws IllegalArgumentException when the text is not a duration, or the value is out of range
     * @since 1.2
     */
    public static Duration duration(String text, Duration min, Duration max) {
        if (text == null) {
            throw new IllegalArgumentException("a duration is required, such as 250ms, 5s, 2m or 1h");
        }
        Matcher m = DURATION.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a duration: use a number with ms, s, m or h,"
                    + " such as 5s");
        }
        long millisPerUnit = switch (m.group(2)) {
            case "ms" -> 1L;
            case "s" -> 1000L;
            case "m" -> 60_000L;
            default -> 3_600_000L;
        };
        BigInteger millis = number(m.group(1)).multiply(BigInteger.valueOf(millisPerUnit));
        if (millis.compareTo(BigInteger.valueOf(min.toMillis())) < 0
                || max != null && millis.compareTo(BigInteger.valueOf(max.toMillis())) > 0
                || millis.bitLength() > 62) {
            throw new IllegalArgumentException(max == null
                    ? "'" + text + "' is too long"
                    : "must be between " + format(min) + " and " + format(max) + ", found '" + text.trim() + "'");
        }
        return Duration.ofMillis(millis.longValueExact());
    }

    /** Parses a size in bytes such as {@code 16KiB} or {@code 1048576}. */
    public static long bytes(String text) {
        return bytes(text, 0, Long.MAX_VALUE);
    }

    /**
     * Parses a size in bytes such as {@code 16KiB} and checks that it lies within {@code min..max} (both
     * included).
     *
     * @throws IllegalArgumentException when the text is not a size, or the value is out of range
     * @since 1.2
     */
    public static long bytes(String text, long min, long max) {
        if (text == null) {
            throw new IllegalArgumentException("a size is required, such as 8192, 16KiB or 10MB");
        }
        Matcher m = SIZE.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException(
                    "'" + text + "' is not a size: use bytes or a number with KB, KiB, MB, MiB, GB or GiB");
        }
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
        BigInteger n = number(m.group(1)).multiply(BigInteger.valueOf(factor));
        if (n.compareTo(BigInteger.valueOf(min)) < 0 || n.compareTo(BigInteger.valueOf(max)) > 0) {
            throw new IllegalArgumentException(max == Long.MAX_VALUE
                    ? "'" + text + "' is too large"
                    : "must be between " + formatBytes(min) + " and " + formatBytes(max) + ", found '"
                    + text.trim() + "'");
        }
        return n.longValueExact();
    }

    /** The digits' value; beyond 19 significant digits (more than any bound) a stand-in just as far out. */
    private static BigInteger number(String digits) {
        int first = 0;
        while (first < digits.length() - 1 && digits.charAt(first) == '0') {
            first++;
        }
        return digits.length() - first > 19 ? BigInteger.TEN.pow(20) : new BigInteger(digits.substring(first));
    }

    /**
     * A duration in the notation {@link #duration(String)} reads, with the largest unit that represents it
     * exactly: {@code 250ms}, {@code 5s}, {@code 2m}, {@code 24h}.
     *
     * @since 1.2
     */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms != 0 && ms % 3_600_000L == 0) {
            return ms / 3_600_000L + "h";
        }
        if (ms != 0 && ms % 60_000L == 0) {
            return ms / 60_000L + "m";
        }
        if (ms != 0 && ms % 1000L == 0) {
            return ms / 1000L + "s";
        }
        return ms + "ms";
    }

    /**
     * A size in the notation {@link #bytes(String)} reads, with the largest binary unit that represents it
     * exactly: {@code 512}, {@code 16KiB}, {@code 1GiB}.
     *
     * @since 1.2
     */
    public static String formatBytes(long n) {
        for (int i = 0; i < BINARY_UNITS.length; i++) {
            long factor = 1L << (10 * (BINARY_UNITS.length - i));
            if (n != 0 && n % factor == 0) {
                return n / factor + BINARY_UNITS[i];
            }
        }
        return Long.toString(n);
    }
}
