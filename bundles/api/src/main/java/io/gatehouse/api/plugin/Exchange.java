package io.gatehouse.api.plugin;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.osgi.annotation.versioning.ProviderType;

/**
 * One client request and its response, on its way through a pipeline.
 *
 * <h2>Threading</h2>
 * An exchange is bound to one event-loop thread ({@link #executor()}); plugins are called on it, every
 * future returned here completes on it, and the exchange's methods must only be called on it. Nothing
 * here blocks. Blocking work goes through {@link #offload}, which says so explicitly and is bounded.
 *
 * <h2>Lifecycle</h2>
 * The pipeline runs plugins in order. A plugin that wants the request to reach an upstream calls
 * {@link #forward} (or makes {@link Attempt}s itself); one that answers itself calls {@link #respond} or
 * {@link #respondError}. Plugins that run after a response exists, and wrapping plugins that get control back
 * ({@link Completion#proceed()}), may change its status and headers or replace it. When the pipeline ends, the gateway
 * commits the response (head first, then the body, streamed); a pipeline that ends without a response
 * answers 500. {@link #onComplete} listeners run when the exchange is over.
 */
@ProviderType
public interface Exchange {

    HttpRequest request();

    /** The response as it stands, or null while there is none. */
    HttpResponse response();

    /**
     * Creates a gateway-made response with an empty body, replacing any uncommitted response (an upstream
     * response it replaces is discarded and its connection released). Set headers and
     * {@link HttpResponse#body(byte[])} on the returned response.
     *
     * @throws IllegalStateException when a response is already committed
     */
    HttpResponse respond(int status);

    /**
     * Creates a gateway-made error response with the gateway's small JSON body:
     * {@code {"status":503,"error":"<code>","message":"<message>"}}.
     */
    HttpResponse respondError(int status, String code, String message);

    /**
     * Sends the request to an upstream server and uses its response: {@code attempt(target)}, {@link
     * Attempt#send()}, and {@link Attempt#use()} when the head arrives. The returned stage completes when the
     * response head has arrived (the response is then also {@link #response()}), or exceptionally with an
     * {@link UpstreamException}. Upstream connections are kept alive and pooled per event loop.
     *
     * <p>May be called again after an attempt failed or to replace an uncommitted upstream response (a retry):
     * a request with a body can only be sent again when the body was kept ({@link #bufferRequestBody}).
     *
     * @throws IllegalStateException when a response is already committed
     */
    CompletionStage<HttpResponse> forward(Forward target);

    /**
     * Makes a new upstream attempt to {@code target}, not sent yet: change its own {@link Attempt#request()}
     * if needed, then {@link Attempt#send()} it.
     *
     * @throws IllegalStateException when a response is already committed
     */
    Attempt attempt(Forward target);

    /**
     * Makes a shadow attempt to {@code target} (mirroring): a copy of the request whose response is read and
     * dropped; it never becomes the exchange's response and never delays it. A request with a body can only
     * be mirrored while the body is kept ({@link #bufferRequestBody}) or before it was sent anywhere. Send it
     * with {@link Attempt#send()}.
     *
     * @throws IllegalStateException when a response is already committed
     */
    Attempt mirror(Forward target);

    /** Every attempt of this exchange so far, in the order they were made (read-only view). */
    List<Attempt> attempts();

    /**
     * Keeps up to {@code maxBytes} of the request body so that it can be sent again (retries, hedging,
     * mirroring). Call it before the first attempt is sent; a larger body is still streamed to the attempts
     * that are sending it, but it can no longer be replayed, and a later attempt's send fails with
     * {@link UpstreamException.Reason#BODY_NOT_REPLAYABLE}. Calling it again may raise the bound, never lower it.
     *
     * @return false when body bytes already went upstream without being kept (too late)
     */
    boolean bufferRequestBody(long maxBytes);

    /** True when a new attempt could send the whole request body now (none, not sent yet, or kept). */
    boolean replayable();

    /**
     * Reads the whole request body, up to {@code maxBytes}, before any of it goes upstream. The stage completes
     * on the event loop with a copy of the body (empty for a request without one); the body stays the
     * request's and is sent to the attempts made afterwards, unless the plugin replaces it
     * ({@link HttpRequest#body(byte[])}). A body larger than {@code maxBytes} fails the stage with
     * {@link BodyTooLargeException} once the bound is passed; nothing is lost (the part read so far streams
     * first when the request is forwarded), and the plugin usually answers 413. Calling it again returns the
     * same stage. The gateway's own body limit and body idle timeout still apply while it reads. A body read
     * whole is an array: {@code maxBytes} counts as at most {@code Integer.MAX_VALUE - 8}.
     *
     * @throws IllegalStateException when an attempt was already sent, or a response is committed
     * @throws IllegalArgumentException when {@code maxBytes} is negative
     * @since 2.1
     */
    CompletionStage<byte[]> readRequestBody(long maxBytes);

    /**
     * Passes the request body through {@code transform} on its way upstream (all attempts get the transformed
     * bytes; a kept body is kept transformed). The upstream request is then sent with
     * {@code Transfer-Encoding: chunked} (its length is no longer known), unless the body was read whole and
     * replaced ({@link HttpRequest#body(byte[])}) after the transformation was added, which sets the length.
     * Several transformations apply in the order they were added.
     *
     * @throws IllegalStateException when an attempt was already sent, or a response is committed
     * @since 2.1
     */
    void transformRequestBody(BodyTransform transform);

    /**
     * Runs blocking work on the gateway's bounded blocking executor and completes on this exchange's event
     * loop. When the executor's queue is full the stage fails at once with
     * {@link java.util.concurrent.RejectedExecutionException}; answer 503 then.
     */
    <T> CompletionStage<T> offload(Callable<T> task);

    /** Runs a task on this exchange's event loop after a delay; cancel it with the returned handle. */
    AutoCloseable schedule(Runnable task, long delay, TimeUnit unit);

    /** This exchange's event loop, as an executor. */
    Executor executor();

    /** The client's address (the TCP peer). */
    InetSocketAddress remoteAddress();

    /** The local address the client connected to. */
    InetSocketAddress localAddress();

    /** {@code http} (or {@code https} once TLS is supported). */
    String scheme();

    /** Name of the HTTPServer that accepted the request. */
    String server();

    /** Name of the pipeline the request was routed to. */
    String pipeline();

    /** Attributes plugins share within this exchange (not thread-safe: event loop only). */
    Map<String, Object> attributes();

    /**
     * Registers a listener called once when the exchange is over: the response was fully sent (argument
     * null) or the exchange was aborted (argument the cause). Listeners run on the event loop and must not
     * throw.
     */
    void onComplete(Consumer<Throwable> listener);

    /** {@link System#nanoTime()} when the request head was received. */
    long startNanos();
}
