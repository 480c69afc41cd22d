package it.example.hedge.internal;

/** Ports of the two servers on 127.0.0.1, and when to send the hedge. */
public record HedgeSpec(Integer primary, Integer secondary, Integer afterMs) {
}
