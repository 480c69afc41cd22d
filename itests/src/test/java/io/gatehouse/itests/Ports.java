package io.gatehouse.itests;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Free loopback ports for configurations that need a port number before the server starts. */
public final class Ports {
    private Ports() {
    }

    /** Below Linux's default ephemeral range (32768–60999), which outgoing connections take their ports from. */
    static final int FIRST = 20000;
    static final int LAST = 32767;
    /**
     * Ports handed out in this JVM, never handed out again: chosen at random, two calls could otherwise pick the
     * same port before either is bound (one Karaf takes four in a row); the kernel's own choice never repeated.
     */
    private static final java.util.Set<Integer> HANDED_OUT = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /**
     * A port that can be bound on loopback now, chosen at random below the ephemeral range: a port the kernel
     * handed out as "free" (bind to 0) is an ephemeral one, and between the check and the server's own bind
     * an outgoing connection (Hazelcast's, between the nodes) could take it, which failed a CI run once (the
     * admin API of a node: "address already in use").
     */
    public static int free() {
        java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
        for (int attempt = 0; attempt < 1000; attempt++) {
            int port = random.nextInt(FIRST, LAST + 1);
            if (isFree(port) && HANDED_OUT.add(port)) {
                return port;
            }
        }
        throw new IllegalStateException("no free loopback port between " + FIRST + " and " + LAST);
    }

    /** Marks {@code port}, chosen by the caller, as handed out: {@link #free()} will not return it. */
    static void claim(int port) {
        HANDED_OUT.add(port);
    }

    /** True when {@code port} can be bound on loopback now (bound and released at once). */
    public static boolean isFree(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
