package io.gatehouse.cluster.internal;

import com.hazelcast.cluster.Member;

/** What the messaging layer needs to know about members: who is who, who is trusted, who is alive. */
interface MemberDirectory {

    /** The live, trusted Hazelcast member named {@code name}, or null. */
    Member trustedMember(String name);

    /** True when the member incarnation with this UUID passed the secret challenge. */
    boolean trusted(String uuid);

    /** A live, trusted member other than this node and {@code target} to relay through, or null. */
    Member relayFor(String target);

    /** The member incarnation with this UUID was just heard from. */
    void heard(String uuid);
}
