package io.gatehouse.api.cluster;

/** A commit or forward that did not happen (or whose outcome is unknown, for {@link Reason#TIMEOUT}). */
public class ConsensusException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Why. */
    public enum Reason {
        /** This node is not its group's leader; {@link #leader()} names the leader when known. */
        NOT_LEADER,
        /** No leader is known for the group (election in progress, or no voter majority). */
        NO_LEADER,
        /** The leader cannot reach a majority of its voters. */
        NO_MAJORITY,
        /** The deadline passed; the entry may still commit later. */
        TIMEOUT,
        /** This node's leadership ended (a newer epoch was seen) before the entry committed. */
        DEPOSED,
        /** The cluster service is stopping or stopped. */
        STOPPED,
        /** No such group is known. */
        UNKNOWN_GROUP,
        /** The local operation log failed. */
        STORAGE,
        /**
         * Too many writes are in progress where this one would wait (forwarded to the leader, waiting for a
         * majority, or sent to another group): nothing was done; try again shortly. Since 1.2.
         */
        OVERLOADED;

        /**
         * The reason named {@code name}; a name this version does not know (sent by a newer node during a
         * rolling upgrade) is {@code otherwise}.
         */
        public static Reason parse(String name, Reason otherwise) {
            for (Reason r : values()) {
                if (r.name().equals(name)) {
                    return r;
                }
            }
            return otherwise;
        }
    }

    private final Reason reason;
    private final String leader;

    public ConsensusException(Reason reason, String message, String leader) {
        super(message);
        this.reason = reason;
        this.leader = leader;
    }

    public ConsensusException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
        this.leader = null;
    }

    public Reason reason() {
        return reason;
    }

    /** The leader's node name when known, or null. */
    public String leader() {
        return leader;
    }
}
