package io.gatehouse.cluster.internal;

/**
 * A membership event as this node saw it, stamped with its Lamport clock: events are kept (and listed) in
 * Lamport order, so an event caused by a message ({@code left} after a member's {@code leaving}) always comes
 * after the events its sender had seen when it sent it.
 *
 * @param lamport    this node's Lamport clock at the event
 * @param member     the member the event is about (node name)
 * @param kind       joined, trusted, refused, alive, suspect, dead, left
 * @param detail     address, reason, or empty
 * @param wallMillis wall-clock time, for people
 */
public record MemberEvent(long lamport, String member, String kind, String detail, long wallMillis) {
}
