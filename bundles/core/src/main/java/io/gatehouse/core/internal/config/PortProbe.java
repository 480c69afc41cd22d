package io.gatehouse.core.internal.config;

import io.gatehouse.dataplane.ListenerSettings;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/**
 * Checks on the planning node that a socket is free: binds it and releases it at once. A plain blocking
 * socket rather than the data plane: a NIO channel registered with a selector releases its port only at the
 * selector's next turn, so a listener bound right after its probe could find the port still taken.
 */
@FunctionalInterface
interface PortProbe {

    /** Binds and releases the socket; throws when it cannot be bound. */
    void probe(ListenerSettings settings) throws IOException;

    /** The real probe, with the data plane's socket options (address reuse, as the JDK sets it on Linux). */
    PortProbe SOCKET = settings -> {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getByName(settings.address()), settings.port()), 1);
        }
    };
}
