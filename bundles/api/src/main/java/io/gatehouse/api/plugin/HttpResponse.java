package io.gatehouse.api.plugin;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The response that will be sent to the client: either received from an upstream
 * ({@link #fromUpstream()}) or made by the gateway ({@link Exchange#respond}). Status and headers may be
 * changed by any plugin that runs after the response exists, until the pipeline ends and the gateway
 * commits the response; after that, setters throw {@link IllegalStateException}.
 *
 * <p>The body of an upstream response streams to the client after commit and is not exposed in this
 * version of the API; the body of a gateway-made response is set with {@link #body(byte[])}.
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
     * Sets the body of a gateway-made response and its {@code Content-Length}.
     *
     * @throws IllegalStateException when the response came from an upstream or is committed
     */
    void body(byte[] body);
}
