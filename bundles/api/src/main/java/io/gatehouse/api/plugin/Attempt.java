package io.gatehouse.api.plugin;

import java.util.concurrent.CompletionStage;
import org.osgi.annotation.versioning.ProviderType;

/**
 * One upstream call of an exchange. An exchange may make several: one after the other (retry, failover to
 * the next server) or at once (hedging: the first response wins and the others are cancelled; mirroring: a
 * shadow copy whose response is dropped; a write sent to several servers). Each attempt has its own request
 * head, its own timeouts (those of its {@link Forward}) and its own outcome, which every plugin of the
 * exchange can read through {@link Exchange#attempts()}.
 *
 * <h2>Lifecycle</h2>
 * {@link Exchange#attempt} makes an attempt that is not sent yet: its {@link #request()} may still be changed.
 * {@link #send()} sends it: the head, then the request body (streamed live to every attempt that is sending
 * it, or replayed from the copy the exchange kept, see {@link Exchange#bufferRequestBody}). The stage completes
 * with the response head, or exceptionally with an {@link UpstreamException}. A response becomes the one
 * the client gets only through {@link #use()} ({@link Exchange#forward} does that itself).
 *
 * <h2>Ownership</h2>
 * The gateway owns the connection and every buffer of an attempt: a used attempt's response body streams to
 * the client after commit; an attempt that is not used when the exchange ends is cancelled (its connection
 * closed unless its response was already complete, then it returns to the pool). {@link #cancel()} ends an
 * attempt at once. A shadow attempt ({@link Exchange#mirror}) reads and drops its response and may finish
 * after the exchange.
 *
 * <p>Event loop only, like the exchange.
 */
@ProviderType
public interface Attempt {

    /** Where an attempt stands. */
    enum State {
        /** Made, not sent yet. */
        NEW,
        /** Sent; no response head yet. */
        SENT,
        /** The response head arrived ({@link #status()}). */
        RESPONDED,
        /** Failed before a response head ({@link #error()}). */
        FAILED,
        /** Cancelled before it completed. */
        CANCELLED
    }

    /** The server and limits of this attempt. */
    Forward target();

    /**
     * This attempt's request head: a copy of the exchange's request as it stood when the attempt was made
     * (hop-by-hop fields removed, {@code X-Forwarded-*} and {@code Via} added, {@code Host} set for this
     * target). Mutable until {@link #send()}.
     */
    HttpRequest request();

    /**
     * Sends the attempt. The stage completes on the exchange's event loop with the response head, or
     * exceptionally with an {@link UpstreamException}; {@link UpstreamException.Reason#BODY_NOT_REPLAYABLE}
     * when the request body already went to an earlier attempt and was not kept.
     *
     * @throws IllegalStateException when the attempt was already sent, or the response is committed
     */
    CompletionStage<HttpResponse> send();

    /**
     * Makes this attempt's response the exchange's response (the one later plugins see and the client gets),
     * replacing any uncommitted response; an upstream response it replaces is discarded.
     *
     * @throws IllegalStateException when no response head has arrived, the attempt is a shadow, or the
     *                               exchange's response is committed
     */
    void use();

    /**
     * Cancels the attempt: no more bytes are sent or read, its connection is closed (or pooled when its
     * response was already complete), its buffers are released, and a pending {@link #send()} stage fails
     * with {@link UpstreamException.Reason#CANCELLED}. Cancelling the used attempt leaves the exchange
     * without a response. No effect once the attempt is over.
     */
    void cancel();

    /** True for a shadow attempt ({@link Exchange#mirror}). */
    boolean shadow();

    State state();

    /** The upstream's status code once {@link State#RESPONDED}, otherwise -1. */
    int status();

    /** Why the attempt failed or was cancelled, or null. */
    UpstreamException error();

    /** {@link System#nanoTime()} when the attempt was sent, or 0 before. */
    long sentNanos();

    /** Nanoseconds from {@link #sentNanos()} to the response head (or to the failure), or -1 while pending. */
    long elapsedNanos();

    /** True when the request body this attempt sent was replayed from the exchange's kept copy. */
    boolean bodyReplayed();
}
