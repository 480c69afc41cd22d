package io.gatehouse.api.plugin;

import java.time.Duration;
import java.util.Objects;

/**
 * Where and how {@link Exchange#forward} sends a request: one upstream server and the limits of one
 * attempt. Immutable and cheap to share: a plugin builds one per server when it is created and reuses it.
 */
public final class Forward {

    /** How the {@code Host} header is set on the upstream request. */
    public enum HostMode {
        /** Keep the client's {@code Host} (the default, as most reverse proxies do). */
        PRESERVE,
        /** Use the upstream server's {@code host:port}. */
        UPSTREAM,
        /** Use a fixed value ({@link #hostValue()}). */
        FIXED
    }

    private final String host;
    private final int port;
    private final Duration connectTimeout;
    private final Duration readTimeout;
    private final HostMode hostMode;
    private final String hostValue;
    private final UpstreamTls tls;

    private Forward(String host, int port, Duration connectTimeout, Duration readTimeout, HostMode hostMode,
                    String hostValue, UpstreamTls tls) {
        this.host = Objects.requireNonNull(host, "host");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be 1..65535: " + port);
        }
        this.port = port;
        this.connectTimeout = positive(connectTimeout, "connectTimeout");
        this.readTimeout = positive(readTimeout, "readTimeout");
        this.hostMode = Objects.requireNonNull(hostMode, "hostMode");
        if (hostMode == HostMode.FIXED && (hostValue == null || hostValue.isEmpty())) {
            throw new IllegalArgumentException("a FIXED host mode needs a host value");
        }
        this.hostValue = hostValue;
        this.tls = tls;
    }

    private static Duration positive(Duration d, String what) {
        Objects.requireNonNull(d, what);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(what + " must be positive: " + d);
        }
        return d;
    }

    /** A forward to {@code host:port} (an IP literal or a name) with 5 s connect and 60 s read timeouts. */
    public static Forward to(String host, int port) {
        return new Forward(host, port, Duration.ofSeconds(5), Duration.ofSeconds(60), HostMode.PRESERVE, null,
                null);
    }

    /** Time allowed to establish the connection; past it the attempt fails with 504. */
    public Forward connectTimeout(Duration timeout) {
        return new Forward(host, port, timeout, readTimeout, hostMode, hostValue, tls);
    }

    /**
     * Time allowed between the end of the request and the response head, and between two reads of the
     * response body; past it the attempt fails with 504 (or the connection is cut once the response has
     * started).
     */
    public Forward readTimeout(Duration timeout) {
        return new Forward(host, port, connectTimeout, timeout, hostMode, hostValue, tls);
    }

    /** How to set the upstream {@code Host} header; {@code value} is only used (and required) for FIXED. */
    public Forward hostHeader(HostMode mode, String value) {
        return new Forward(host, port, connectTimeout, readTimeout, mode, value, tls);
    }

    /**
     * HTTPS to the upstream with these settings (null: plain HTTP). The TLS handshake is part of the connect,
     * within the connect timeout; a certificate that fails verification fails the attempt (502).
     *
     * @since 2.2
     */
    public Forward tls(UpstreamTls settings) {
        return new Forward(host, port, connectTimeout, readTimeout, hostMode, hostValue, settings);
    }

    /** HTTPS settings, or null for plain HTTP. @since 2.2 */
    public UpstreamTls tls() {
        return tls;
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    public Duration connectTimeout() {
        return connectTimeout;
    }

    public Duration readTimeout() {
        return readTimeout;
    }

    public HostMode hostMode() {
        return hostMode;
    }

    /** The fixed host value, or null unless {@link HostMode#FIXED}. */
    public String hostValue() {
        return hostValue;
    }

    /** {@code host:port}, as used for the {@link HostMode#UPSTREAM} host header and in messages. */
    public String authority() {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }

    @Override
    public String toString() {
        return "Forward[" + (tls != null ? "https://" : "http://") + authority() + "]";
    }
}
