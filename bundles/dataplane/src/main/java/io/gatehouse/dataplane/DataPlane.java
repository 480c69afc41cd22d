package io.gatehouse.dataplane;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The Netty data plane, an OSGi service: event loops (native epoll when available, NIO otherwise), HTTP/1.1
 * and h2c listeners, upstream connection pools (per event loop) and the bounded blocking executor behind
 * {@code Exchange.offload}.
 */
@ProviderType
public interface DataPlane {

    /**
     * Binds a listener now, so that an address in use is reported before a configuration change is
     * committed.
     *
     * @throws java.net.BindException when the address is in use or cannot be assigned
     * @throws IOException            for any other failure to bind
     */
    HttpListener bind(ListenerSettings settings, RequestHandler handler) throws IOException;

    /** {@code epoll} or {@code nio}. */
    String transport();

    /** Number of event loops. */
    int eventLoops();

    /**
     * Open client connections of each bound listener, by its server's name (the count its
     * {@code maxConnections} is checked against). A snapshot; cheap.
     *
     * @since 0.3
     */
    Map<String, Integer> openConnections();

    /**
     * The certificates each HTTPS listener serves now, by its server's name: each certificate's names and the
     * instant it expires (for the expiry metric). A snapshot; cheap.
     *
     * @since 0.4
     */
    default Map<String, List<ServedCertificate>> certificates() {
        return Map.of();
    }

    /**
     * A certificate an HTTPS listener serves.
     *
     * @param names    its DNS names (else its common name)
     * @param subject  its subject
     * @param notAfter when it expires
     * @since 0.4
     */
    record ServedCertificate(List<String> names, String subject, java.time.Instant notAfter) {
        public ServedCertificate {
            names = List.copyOf(names);
        }
    }
}
