package io.gatehouse.dataplane.internal.http;

import io.gatehouse.api.plugin.UpstreamException.Reason;
import io.netty.channel.ConnectTimeoutException;
import java.net.NoRouteToHostException;
import java.net.PortUnreachableException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;

/**
 * Says in the gateway's own words why a socket operation towards an upstream failed ("connection refused",
 * "no route to host", ...), whatever the transport: NIO throws JDK exceptions with the OS's text, the native
 * epoll transport throws exceptions whose text is only {@code finishConnect(..) failed with error(-111)}
 * (a negative Linux errno) or, for an unreachable network, no text at all. The exception itself stays the
 * {@link io.gatehouse.api.plugin.UpstreamException}'s cause, for the log.
 */
final class UpstreamErrors {
    private static final Pattern ERRNO = Pattern.compile("error\\((-?\\d+)\\)");
    /** Linux errno values (the epoll transport runs on Linux only). */
    private static final Map<Integer, String> ERRNOS = Map.of(
            111, "connection refused",
            110, "connection timed out",
            113, "host unreachable",
            101, "network unreachable",
            104, "connection reset",
            32, "connection closed (broken pipe)",
            103, "connection aborted",
            99, "local address not available",
            13, "connection not permitted",
            1, "connection not permitted");
    private static final String[][] WORDS = {
        {"refused", "connection refused"},
        {"no route", "no route to host"},
        {"network is unreachable", "network unreachable"},
        {"host is unreachable", "host unreachable"},
        {"reset", "connection reset"},
        {"timed out", "connection timed out"},
        {"broken pipe", "connection closed (broken pipe)"},
    };

    /** What happened and the reason it counts as. */
    record Cause(Reason reason, String text) {
    }

    private UpstreamErrors() {
    }

    /** Why a connection attempt failed. */
    static Cause connect(Throwable failure) {
        String text = describe(failure);
        return new Cause(text.equals("connection timed out") ? Reason.CONNECT_TIMEOUT : Reason.CONNECT_FAILED, text);
    }

    /** Why an operation on an established (or establishing) connection failed, in a few words. */
    static String describe(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ConnectTimeoutException || t instanceof SocketTimeoutException) {
                return "connection timed out";
            }
            if (t instanceof UnknownHostException) {
                return "unknown host";
            }
            if (t instanceof SSLException) {
                return "TLS handshake failed";
            }
            String message = t.getMessage() == null ? "" : t.getMessage().toLowerCase(Locale.ROOT);
            Matcher errno = ERRNO.matcher(message);
            if (errno.find()) {
                String known = ERRNOS.get(Math.abs(Integer.parseInt(errno.group(1))));
                if (known != null) {
                    return known;
                }
            }
            for (String[] w : WORDS) {
                if (message.contains(w[0])) {
                    return w[1];
                }
            }
            if (t instanceof NoRouteToHostException) {
                return "no route to host";
            }
            if (t instanceof PortUnreachableException) {
                return "connection refused";
            }
            if (t instanceof ClosedChannelException) {
                return "connection closed";
            }
        }
        return "connection failed";
    }
}
