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
 */
public record ListenerSettings(String name, String address, int port, int maxInitialLineLength, int maxHeaderSize,
                               long maxRequestBody, Duration idleTimeout, boolean http2, boolean xForwarded,
                               String via) {
    public ListenerSettings {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
    }

    /** Defaults for a listener on {@code address:port}. */
    public static ListenerSettings defaults(String name, String address, int port) {
        return new ListenerSettings(name, address, port, 8192, 16384, 256L * 1024 * 1024, Duration.ofSeconds(60),
                true, true, "gatehouse");
    }

    /** True when both bind the same socket (so one can only replace the other by rebinding). */
    public boolean sameSocket(ListenerSettings other) {
        return port == other.port && address.equals(other.address);
    }
}
