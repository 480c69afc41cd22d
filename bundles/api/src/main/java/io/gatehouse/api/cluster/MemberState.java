package io.gatehouse.api.cluster;

/** What a node knows of another member. */
public enum MemberState {
    /** Heard from recently. */
    ALIVE,
    /** Not heard from for a while; not yet declared dead. */
    SUSPECT,
    /** Declared dead by the failure detector (crashed, paused or cut off). */
    DEAD,
    /** Left the cluster gracefully. */
    LEFT
}
