package io.gatehouse.cluster.internal;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Request/response between the members of this node's group (docs/cluster.md, "Messaging"). Every message
 * carries its type, the sender's node name, the sender's Lamport clock and an HMAC-SHA256 made with the
 * cluster secret; the receiver drops messages whose HMAC does not verify or whose sender has not passed the
 * secret challenge.
 *
 * <p>Threading: {@link #request} never blocks; its future completes on a Hazelcast or timer thread (do not
 * block in its callbacks). Handlers run on the bounded executor of the receiving member ({@code
 * gatehouse.messages}); a handler may block (a durable write), but every blocked handler holds one of a
 * few threads, so keep it short.
 *
 * <p>Failure model: the future always completes within {@code timeout}: normally with the handler's answer,
 * or exceptionally with a {@link MessagingException} whose {@link MessagingException#reason()} says why
 * ({@code TIMEOUT} when the deadline passed first: the handler may still have run). When direct delivery
 * fails (the member is unreachable, or its connection broke), the request is relayed once through another
 * live member of the group.
 */
public interface Messaging {

    /**
     * Sends {@code payload} to {@code member}'s handler of {@code type} and completes with its answer. A
     * request to this node itself is handled locally (same handler, same exceptions).
     *
     * @param member  node name of a trusted member of this group
     * @param type    message type, as registered on the receiver
     * @param payload request bytes (not copied: do not change them afterwards)
     * @param timeout the deadline, positive
     */
    CompletableFuture<byte[]> request(String member, String type, byte[] payload, Duration timeout);

    /** Registers the handler of {@code type} on this node, replacing any previous one. */
    void register(String type, Handler handler);

    /** Removes the handler of {@code type} if it is {@code handler}. */
    void unregister(String type, Handler handler);

    /** Handles one message type on the receiving node. */
    @FunctionalInterface
    interface Handler {
        /**
         * Answers one request. An exception is reported to the sender as a {@link MessagingException} with
         * reason {@code HANDLER_FAILED} and the exception's message.
         */
        byte[] handle(Incoming message) throws Exception;
    }

    /**
     * A received request.
     *
     * @param type    message type
     * @param sender  the sending node's name
     * @param lamport the sender's Lamport clock when it sent the message
     * @param payload the request bytes
     */
    record Incoming(String type, String sender, long lamport, byte[] payload) {
    }
}
