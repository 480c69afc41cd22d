package io.gatehouse.dataplane.internal.http;

/** A request header block contained a line starting with whitespace (obsolete line folding, RFC 9112 5.2). */
final class ObsFoldException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    ObsFoldException() {
        super("obsolete line folding (a header line starting with whitespace) is not accepted");
    }
}
