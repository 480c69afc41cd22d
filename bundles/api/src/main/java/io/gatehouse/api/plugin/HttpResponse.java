package io.gatehouse.api.plugin;

import java.util.concurrent.CompletionStage;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The response that will be sent to the client: either received from an upstream
 * ({@link #fromUpstream()}) or made by the gateway ({@link Exchange#respond}). Status and headers may be
 * changed by any plugin that runs after the response exists, until the pipeline ends and the gateway
 * commits the response; after that, setters throw {@link IllegalStateException}.
 *
 * <p>The body of an upstream response streams to the client after commit; a plugin may read it whole before
 * the commit, within a bound ({@link #readBody}), and then replace it, or transform it as it streams
 * ({@link #transformBody}). The body of a gateway-made response is set with {@link #body(byte[])}.
 */
@ProviderType
public interface HttpResponse {

    int status();

    void status(int status);

    Headers headers();

    /** True when the response came from an upstream. */
    boolean fromUpstream();

    /** True once the status line and headers have been written to the client. */
    boolean committed();

    /**
     * Sets the body and its {@code Content-Length}: of a gateway-made response, or of an upstream response
     * whose body was read whole ({@link #readBody}).
     *
     * @throws IllegalStateException when the response is committed, or came from an upstream and its body was
     *                               not read whole
     */
    void body(byte[] body);

    /**
     * Reads the whole body, up to {@code maxBytes}, before the response is committed. For an upstream
     * response the stage completes on the event loop once the upstream sent all of it (the upstream connection
     * is then free); the response then holds the bytes, sent with a {@code Content-Length}, and
     * {@link #body(byte[])} may replace them. For a gateway-made response it completes at once with its body.
     * A body larger than {@code maxBytes} fails the stage with {@link BodyTooLargeException}: the response
     * keeps streaming unchanged when committed (what was read first). The upstream's read timeout applies
     * while it is read. Calling it again returns the same stage. A body read whole is an array: {@code maxBytes}
     * counts as at most {@code Integer.MAX_VALUE - 8}.
     *
     * @throws IllegalStateException when the response is committed, or is not the exchange's response
     * @throws IllegalArgumentException when {@code maxBytes} is negative
     * @since 2.1
     */
    CompletionStage<byte[]> readBody(long maxBytes);

    /**
     * Passes the body through {@code transform} on its way to the client, when the response is committed:
     * an upstream body as it streams (then sent chunked, or delimited by closing the connection for an
     * HTTP/1.0 client, since its length is no longer known), a gateway-made or read body in one piece (its
     * {@code Content-Length} set to the result's). Several transformations apply in the order they were added.
     * A response replaced after this call (a retry, a plugin's answer) does not carry the transformation.
     *
     * @throws IllegalStateException when the response is committed
     * @since 2.1
     */
    void transformBody(BodyTransform transform);
}
