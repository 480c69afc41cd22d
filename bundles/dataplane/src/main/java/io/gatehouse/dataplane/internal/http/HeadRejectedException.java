package io.gatehouse.dataplane.internal.http;

/**
 * A request head the decoder refuses with a specific status (for example 505 for an unsupported HTTP
 * version); carried as the decoder result's cause to {@link ServerStreamHandler}. No stack trace: it is
 * client input, not a failure of the gateway.
 */
final class HeadRejectedException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    final int status;
    final String code;

    HeadRejectedException(int status, String code, String message) {
        super(message);
        this.status = status;
        this.code = code;
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }
}
