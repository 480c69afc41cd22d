package io.gatehouse.api.plugin;

import java.io.IOException;

/**
 * A body did not fit the bound a plugin gave to read it whole ({@link Exchange#readRequestBody},
 * {@link HttpResponse#readBody}). Nothing was lost: the body still streams on unchanged (what was read so far
 * first) unless the plugin answers instead, typically with 413 for a request body.
 */
public class BodyTooLargeException extends IOException {
    private static final long serialVersionUID = 1L;

    private final long limit;

    public BodyTooLargeException(long limit) {
        super("the body is larger than " + limit + " bytes");
        this.limit = limit;
    }

    /** The bound that was exceeded, in bytes. */
    public long limit() {
        return limit;
    }
}
