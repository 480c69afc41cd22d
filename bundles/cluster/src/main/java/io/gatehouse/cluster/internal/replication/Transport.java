package io.gatehouse.cluster.internal.replication;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Request/response messaging between the members of one group, as the replication core needs it. The
 * cluster's messaging layer implements it (over Hazelcast); tests use an in-memory network.
 *
 * <p>Contract: {@link #request} never blocks and its future always completes, exceptionally at the latest
 * when {@code timeout} has passed (a lost request or answer is a timeout, never a hang). Futures may complete
 * on any thread. A handler is called on the transport's threads and must not block: it answers through the
 * returned future.
 */
public interface Transport {

    /** Sends {@code payload} as a message of {@code type} to {@code member}; completes with its answer. */
    CompletableFuture<byte[]> request(String member, String type, byte[] payload, Duration timeout);

    /** Routes incoming requests of {@code type} to {@code handler}, replacing any previous one. */
    void register(String type, Handler handler);

    /** Stops routing requests of {@code type}; further ones are refused by the transport. */
    void unregister(String type);

    /** Answers one incoming request. */
    @FunctionalInterface
    interface Handler {
        /** {@code from} is the sender's node name. */
        CompletableFuture<byte[]> handle(String from, byte[] payload);
    }
}
