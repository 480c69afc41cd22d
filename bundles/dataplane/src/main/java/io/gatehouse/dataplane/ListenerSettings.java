package io.gatehouse.dataplane;

import java.time.Duration;
import java.util.Objects;

/**
 * What one HTTP listener binds to and the limits it enforces on clients.
 *
 * @param name                 name of the HTTPServer object (reported as {@code Exchange.server()})
 * @param address              IP address to bind ({@code 0.0.0.0} for every interface)
 * @param port                 TCP port; 0 binds an ephemeral port (tests)
 * @param maxInitialLineLength longest request line accepted; longer gets 414
 * @param maxHeaderSize        largest header block accepted; larger gets 431
 * @param maxRequestBody       largest request body accepted in bytes; larger gets 413 (0 = no limit)
 * @param idleTimeout          an idle client connection is closed after this long
 * @param http2                accept h2c (prior knowledge and Upgrade) on the same port as HTTP/1.1
 * @param xForwarded           append {@code X-Forwarded-For} and set {@code X-Forwarded-Proto}/{@code -Host}
 *                             on upstream requests
 * @param via                  the pseudonym put in the {@code Via} header ({@code 1.1 <via>}); null for none
 * @param pathNormalization    what happens to a request path that is not in normal form
 * @param requestHeadTimeout   a request head must arrive completely within this long, counted from its first
 *                             byte (or from the end of the previous exchange); else 408 and close
 * @param bodyIdleTimeout      longest wait for the next request body byte while the body is being read;
 *                             else 408 (or a close once the response has started)
 * @param maxConnections       open client connections accepted at most; more are closed at once
 * @param tls                  HTTPS (since 0.4), or null for plain HTTP (and h2c)
 */
public record ListenerSettings(String name, String address, int port, int maxInitialLineLength, int maxHeaderSize,
                               long maxRequestBody, Duration idleTimeout, boolean http2, boolean xForwarded,
                               String via, PathNormalization pathNormalization, Duration requestHeadTimeout,
                               Duration bodyIdleTimeout, int maxConnections, ServerTls tls) {

    /** What a listener does with a request path that is not in normal form (RFC 3986 6.2.2, merged slashes). */
    public enum PathNormalization {
        /** Normalize it, then route and forward the normal form. */
        NORMALIZE,
        /** Answer 400. */
        REJECT
    }

    public ListenerSettings {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(pathNormalization, "pathNormalization");
        positive(requestHeadTimeout, "requestHeadTimeout");
        positive(bodyIdleTimeout, "bodyIdleTimeout");
        if (maxConnections < 1) {
            throw new IllegalArgumentException("maxConnections must be at least 1: " + maxConnections);
        }
    }

    /** Plain HTTP (the settings before 0.4). */
    public ListenerSettings(String name, String address, int port, int maxInitialLineLength, int maxHeaderSize,
                            long maxRequestBody, Duration idleTimeout, boolean http2, boolean xForwarded, String via,
                            PathNormalization pathNormalization, Duration requestHeadTimeout, Duration bodyIdleTimeout,
                            int maxConnections) {
        this(name, address, port, maxInitialLineLength, maxHeaderSize, maxRequestBody, idleTimeout, http2, xForwarded,
                via, pathNormalization, requestHeadTimeout, bodyIdleTimeout, maxConnections, null);
    }

    private static void positive(Duration d, String what) {
        Objects.requireNonNull(d, what);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(what + " must be positive: " + d);
        }
    }

    /** Defaults for a listener on {@code address:port}. */
    public static ListenerSettings defaults(String name, String address, int port) {
        return new ListenerSettings(name, address, port, 8192, 16384, 256L * 1024 * 1024, Duration.ofSeconds(60),
                true, true, "gatehouse", PathNormalization.NORMALIZE, Duration.ofSeconds(10), Duration.ofSeconds(30),
                10_000);
    }

    /** A copy with other request limits (the ones that protect the listener against slow or many clients). */
    public ListenerSettings withClientLimits(Duration headTimeout, Duration bodyIdle, int connections) {
        return new ListenerSettings(name, address, port, maxInitialLineLength, maxHeaderSize, maxRequestBody,
                idleTimeout, http2, xForwarded, via, pathNormalization, headTimeout, bodyIdle, connections, tls);
    }

    /** A copy with another path normalization. */
    public ListenerSettings withPathNormalization(PathNormalization mode) {
        return new ListenerSettings(name, address, port, maxInitialLineLength, maxHeaderSize, maxRequestBody,
                idleTimeout, http2, xForwarded, via, mode, requestHeadTimeout, bodyIdleTimeout, maxConnections, tls);
    }

    /** A copy with other HTTPS settings (null: plain HTTP). */
    public ListenerSettings withTls(ServerTls newTls) {
        return new ListenerSettings(name, address, port, maxInitialLineLength, maxHeaderSize, maxRequestBody,
                idleTimeout, http2, xForwarded, via, pathNormalization, requestHeadTimeout, bodyIdleTimeout,
                maxConnections, newTls);
    }

    /** The scheme clients use: {@code https} with TLS, else {@code http}. */
    public String scheme() {
        return tls != null ? "https" : "http";
    }

    /** True when both bind the same socket (so one can only replace the other by rebinding). */
    public boolean sameSocket(ListenerSettings other) {
        return port == other.port && address.equals(other.address);
    }
}
