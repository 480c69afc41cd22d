package io.gatehouse.cluster.internal;

import io.gatehouse.api.cluster.ClusterStatus;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLContext;

/**
 * This node's running membership in its group: what the replication core builds on. Registered as an OSGi
 * service (inside this bundle only: the package is private) once the Hazelcast member has started, and
 * unregistered before it stops.
 */
public interface ClusterNode {

    /** The validated settings. */
    ClusterSettings settings();

    /** The cluster secret (signs the requests this node sends to other groups, checks theirs). */
    ClusterSecret secret();

    /**
     * The TLS of other groups' {@code https://} admin addresses: the certificates of {@code tls.trust}, read once
     * when this member started, else the JDK's trust store.
     */
    SSLContext groupsTls();

    /** Request/response with the group's members. */
    Messaging messaging();

    /** Who leads the group. */
    Leadership leadership();

    /** The CP commit register; empty for groups of 1–2 voters (no CP subsystem). */
    Optional<CommitRegister> commitRegister();

    /**
     * This node's view: node, group, role, leader, epoch, members with their state. {@code commitIndex} is 0
     * and every {@code appliedIndex} -1 here: the replication core fills them in.
     */
    ClusterStatus status();

    /** Membership events in Lamport order (the last {@value MembershipView#HISTORY}). */
    List<MemberEvent> events();
}
