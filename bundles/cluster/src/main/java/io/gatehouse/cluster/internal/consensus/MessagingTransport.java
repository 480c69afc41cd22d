package io.gatehouse.cluster.internal.consensus;

import io.gatehouse.cluster.internal.Messaging;
import io.gatehouse.cluster.internal.MessagingException;
import io.gatehouse.cluster.internal.replication.Transport;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;

/**
 * The replication core's {@link Transport} over the cluster's {@link Messaging}: message type {@code repl.<name>}
 * ({@code repl.probe}, {@code repl.fetch}, {@code repl.append}, {@code repl.snapshot}), the sender's node name
 * from the signed envelope. Messaging handlers answer synchronously on the member's bounded executor, so a
 * replication handler (which answers through a future completed on the core's thread) is waited for there,
 * at most {@code handlerTimeout}. Every request future completes by its deadline, a synchronous refusal
 * included. Also remembers when each sender last sent a replication request that was answered (what
 * {@code stale} in the status is computed from).
 */
public final class MessagingTransport implements Transport {
    /** Prefix of the replication message types on the messaging layer. */
    public static final String PREFIX = "repl.";

    private final Messaging messaging;
    private final Duration handlerTimeout;
    private final LongSupplier nanos;
    private final Map<String, Messaging.Handler> registered = new ConcurrentHashMap<>();
    private final Map<String, Long> lastHeard = new ConcurrentHashMap<>();

    public MessagingTransport(Messaging messaging, Duration handlerTimeout, LongSupplier nanos) {
        this.messaging = Objects.requireNonNull(messaging, "messaging");
        this.handlerTimeout = handlerTimeout;
        this.nanos = nanos;
    }

    @Override
    public CompletableFuture<byte[]> request(String member, String type, byte[] payload, Duration timeout) {
        CompletableFuture<byte[]> sent;
        try {
            sent = messaging.request(member, PREFIX + type, payload, timeout);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e instanceof MessagingException ? e
                    : new MessagingException(MessagingException.Reason.UNREACHABLE, e.toString(), e));
        }
        // the messaging layer promises its deadline; this guard keeps the core's promise even if it did not
        return sent.copy().orTimeout(timeout.toMillis() + 50, TimeUnit.MILLISECONDS);
    }

    @Override
    public void register(String type, Handler handler) {
        Objects.requireNonNull(handler, "handler");
        Messaging.Handler h = in -> {
            try {
                byte[] answer = handler.handle(in.sender(), in.payload())
                        .get(handlerTimeout.toMillis(), TimeUnit.MILLISECONDS);
                lastHeard.put(in.sender(), nanos.getAsLong());
                return answer;
            } catch (ExecutionException e) {
                throw e.getCause() instanceof Exception cause ? cause : e;
            } catch (TimeoutException e) {
                throw new TimeoutException(type + " not handled within " + handlerTimeout.toMillis() + " ms");
            }
        };
        Messaging.Handler previous = registered.put(type, h);
        if (previous != null) {
            messaging.unregister(PREFIX + type, previous);
        }
        messaging.register(PREFIX + type, h);
    }

    @Override
    public void unregister(String type) {
        Messaging.Handler h = registered.remove(type);
        if (h != null) {
            messaging.unregister(PREFIX + type, h);
        }
    }

    /** {@code nanos} time of the last answered replication request from {@code sender}, or empty. */
    public Long lastHeardFrom(String sender) {
        return sender == null ? null : lastHeard.get(sender);
    }
}
