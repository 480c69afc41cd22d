package io.gatehouse.cluster.internal;

/** A request that got no answer from its handler; {@link #reason()} says why. */
public class MessagingException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Why a request failed. */
    public enum Reason {
        /** No trusted, live member of the group has that name. */
        UNKNOWN_MEMBER,
        /** The deadline passed first; the handler may still have run. */
        TIMEOUT,
        /** Neither direct delivery nor a relay reached the member. */
        UNREACHABLE,
        /** The receiver dropped the message: it does not trust the sender yet, or its HMAC did not verify. */
        REFUSED,
        /** The answer's HMAC did not verify (the receiver has another cluster secret). */
        BAD_SIGNATURE,
        /** The receiver has no handler for the type. */
        NO_HANDLER,
        /** The handler threw; the message is its message. */
        HANDLER_FAILED,
        /** The receiver's executor queue is full. */
        OVERLOADED,
        /** This node's (or the receiver's) cluster service is stopping. */
        STOPPED
    }

    private final Reason reason;

    public MessagingException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public MessagingException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }

    @Override
    public String toString() {
        return "MessagingException[" + reason + "]: " + getMessage();
    }
}
