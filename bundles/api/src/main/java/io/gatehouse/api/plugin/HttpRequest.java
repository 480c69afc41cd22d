package io.gatehouse.api.plugin;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The client's request as it will be sent upstream. Mutable until the first attempt is sent; after that,
 * setters throw {@link IllegalStateException} (each later {@link Attempt} has its own copy).
 *
 * <p>{@link #uri()} is the request target the server routed, and it is what goes upstream unless a plugin
 * sets another: always origin-form (an absolute-form target was reduced to its path and query, its authority
 * moved to {@code Host}); the path in normal form (percent-encoded unreserved characters decoded, repeated
 * slashes merged, dot segments removed); percent-encoded reserved characters and the query exactly as the
 * client sent them. {@code OPTIONS *} is answered by the gateway and never reaches a pipeline.
 *
 * <p>The request body streams to the attempts that send it (with backpressure); it is kept for replays only
 * when asked ({@link Exchange#bufferRequestBody}), and discarded when a plugin answers instead. A plugin may
 * read it whole within a bound ({@link Exchange#readRequestBody}) and replace it ({@link #body(byte[])}), or
 * transform it as it streams ({@link Exchange#transformRequestBody}).
 */
@ProviderType
public interface HttpRequest {

    /** The method, for example {@code GET}. */
    String method();

    void method(String method);

    /** The request target: normalized path and optional {@code ?query} (still percent-encoded). */
    String uri();

    /** Replaces the request target (raw: the caller encodes). */
    void uri(String uri);

    /** The path part of {@link #uri()}, without the query (normalized, still percent-encoded). */
    String path();

    /** The query part of {@link #uri()} without {@code ?}, exactly as received, or null when there is none. */
    String query();

    /** {@code HTTP/1.0}, {@code HTTP/1.1} or {@code HTTP/2.0}. */
    String protocol();

    Headers headers();

    /** The host the client addressed ({@code Host} or {@code :authority}), without the port; null if none. */
    String host();

    /** The body length announced by the client; -1 when unknown (chunked or HTTP/2 without length), 0 for none. */
    long contentLength();

    /** True when the request carries a body (a non-zero or unknown length). */
    boolean hasBody();

    /**
     * Replaces the request body sent upstream with {@code body} and sets {@code Content-Length} (an empty
     * array sends no body). Allowed before the first attempt is sent, once the client's body was read whole
     * ({@link Exchange#readRequestBody}) or when the request has none: the client's bytes are not needed any
     * more then. Body transformations added before this call do not apply to {@code body}.
     *
     * @throws IllegalStateException when an attempt was already sent, or the client's body was not read whole
     * @since 2.1
     */
    void body(byte[] body);
}
