package io.gatehouse.api.cluster;

/** A node's role in its group. */
public enum Role {
    /** Votes: stores entries before they commit and may become the leader. */
    VOTER,
    /** Receives committed entries only; never votes, never leads. */
    OBSERVER
}
