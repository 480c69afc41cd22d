package io.gatehouse.api.cluster;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Answers write requests forwarded to this node because it leads its group. The core registers it as an
 * OSGi service; the request and answer bytes are the core's own encoding (the cluster only carries them).
 */
@ConsumerType
public interface WriteGateway {

    /** Handles a forwarded request; the answer (success or refusal) is encoded in the bytes. */
    CompletableFuture<byte[]> handle(byte[] request, Duration timeout);
}
