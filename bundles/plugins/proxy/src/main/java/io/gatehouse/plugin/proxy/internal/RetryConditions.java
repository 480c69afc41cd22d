package io.gatehouse.plugin.proxy.internal;

import io.gatehouse.api.plugin.UpstreamException;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;

/**
 * When the proxy tries the next server, as nginx's {@code proxy_next_upstream}: {@code error} (the connection
 * failed, or broke before a response head), {@code timeout} (connect or read timeout before a response head),
 * {@code invalid_header} (the upstream's response could not be parsed) and {@code http_<status>} (the upstream
 * answered that status; the response is discarded when another server is tried). Immutable.
 */
final class RetryConditions {
    private final boolean error;
    private final boolean timeout;
    private final boolean invalidHeader;
    private final BitSet statuses;

    private RetryConditions(boolean error, boolean timeout, boolean invalidHeader, BitSet statuses) {
        this.error = error;
        this.timeout = timeout;
        this.invalidHeader = invalidHeader;
        this.statuses = statuses;
    }

    /** A condition's kind, or null when {@code text} is not one (the validator reports it). */
    static String parse(String text) {
        String c = text.trim().toLowerCase(Locale.ROOT);
        if (c.equals("error") || c.equals("timeout") || c.equals("invalid_header")) {
            return c;
        }
        if (c.startsWith("http_") && c.length() == 8) {
            try {
                int status = Integer.parseInt(c.substring(5));
                return status >= 200 && status <= 599 ? c : null;
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }

    static RetryConditions of(List<String> conditions) {
        boolean error = false;
        boolean timeout = false;
        boolean invalid = false;
        BitSet statuses = new BitSet(600);
        for (String text : conditions) {
            String c = parse(text);
            if (c == null) {
                throw new IllegalArgumentException("not a retry condition: " + text);
            }
            switch (c) {
                case "error" -> error = true;
                case "timeout" -> timeout = true;
                case "invalid_header" -> invalid = true;
                default -> statuses.set(Integer.parseInt(c.substring(5)));
            }
        }
        return new RetryConditions(error, timeout, invalid, statuses);
    }

    /** True when no condition is set: the proxy never tries another server. */
    boolean none() {
        return !error && !timeout && !invalidHeader && statuses.isEmpty();
    }

    /** True when an attempt that failed this way may be tried on the next server. */
    boolean on(UpstreamException.Reason reason) {
        return switch (reason) {
            case CONNECT_FAILED, RESET -> error;
            case CONNECT_TIMEOUT, READ_TIMEOUT -> timeout;
            case PROTOCOL_ERROR -> invalidHeader;
            default -> false;
        };
    }

    /** True when a response with this status may be replaced by the next server's. */
    boolean onStatus(int status) {
        return status >= 0 && status < 600 && statuses.get(status);
    }

    /** True when the request certainly did not reach the server: any method may be sent again. */
    static boolean neverSent(UpstreamException.Reason reason) {
        return reason == UpstreamException.Reason.CONNECT_FAILED || reason == UpstreamException.Reason.CONNECT_TIMEOUT;
    }
}
