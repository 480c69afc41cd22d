package io.gatehouse.dataplane;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Receives every request a listener accepts, once its head has been read and checked (framing, size
 * limits). Called on the connection's event loop; must not block; must eventually call
 * {@link ServerExchange#end()} exactly once (directly or after running a pipeline).
 */
@ConsumerType
@FunctionalInterface
public interface RequestHandler {
    void handle(ServerExchange exchange);
}
