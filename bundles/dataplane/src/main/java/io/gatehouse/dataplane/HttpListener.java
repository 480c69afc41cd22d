package io.gatehouse.dataplane;

import java.net.InetSocketAddress;
import org.osgi.annotation.versioning.ProviderType;

/** A bound HTTP listener (one per HTTPServer object). Thread-safe. */
@ProviderType
public interface HttpListener extends AutoCloseable {

    ListenerSettings settings();

    /** The address actually bound (the real port when settings asked for 0). */
    InetSocketAddress localAddress();

    /** Replaces the handler; requests whose head arrives after this call use the new one. */
    void handler(RequestHandler handler);

    /**
     * Applies new limits without rebinding. New connections use them at once; open connections keep the
     * limits they were accepted with. {@code maxConnections} is checked at each accept against every open
     * connection of the listener.
     *
     * @throws IllegalArgumentException when the new settings name another socket
     */
    void reconfigure(ListenerSettings settings);

    /**
     * Stops accepting and closes idle connections; exchanges in progress may finish. Returns once the
     * port is released. Idempotent.
     */
    @Override
    void close();
}
