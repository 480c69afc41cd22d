package io.gatehouse.api.plugin;

import java.io.IOException;

/**
 * Why a {@link Exchange#forward} attempt failed, with the status a gateway answers for it (RFC 9110:
 * 502 when the upstream answered badly or not at all, 504 when it took too long).
 *
 * <p>The message says what went wrong in a few words fit for a client ({@code connection refused},
 * {@code no route to host}, {@code no response within the read timeout (300 ms)}), never a Java or Netty
 * internal, and does not name the upstream: whoever forwarded knows which one it targeted and names it
 * (the proxy plugin answers {@code upstream 10.0.0.5:80: connection refused}). The cause, when there is one,
 * is the underlying exception, for the log.
 */
public class UpstreamException extends IOException {
    private static final long serialVersionUID = 1L;

    /** What went wrong. */
    public enum Reason {
        /** The connection was refused or the address could not be reached. */
        CONNECT_FAILED(502),
        /** The connection could not be established within the connect timeout. */
        CONNECT_TIMEOUT(504),
        /** No response head (or no body data) within the read timeout. */
        READ_TIMEOUT(504),
        /** The upstream closed or reset the connection before a complete response. */
        RESET(502),
        /** The upstream's response could not be parsed or broke framing rules. */
        PROTOCOL_ERROR(502),
        /** The client went away or its request body could not be read; nothing is sent to it. */
        CLIENT_ABORTED(400),
        /** The request body went to an earlier attempt and was not kept: this attempt was not sent. */
        BODY_NOT_REPLAYABLE(502),
        /** The attempt was cancelled (by a plugin, or because the exchange ended without using it). */
        CANCELLED(502);

        private final int status;

        Reason(int status) {
            this.status = status;
        }

        /** The status a gateway answers with for this reason. */
        public int status() {
            return status;
        }
    }

    private final Reason reason;

    public UpstreamException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }

    /** The status a gateway answers with ({@link Reason#status()}). */
    public int status() {
        return reason.status();
    }
}
