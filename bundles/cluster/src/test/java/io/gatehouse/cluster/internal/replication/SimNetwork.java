package io.gatehouse.cluster.internal.replication;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;

/**
 * An in-memory network on a {@link SimClock}: messages take a random delay, may be dropped (at random, or
 * chosen by a {@link Filter}), and cannot cross a partition; a request without an answer fails at its
 * deadline. A member without a handler (crashed, or stopped) never answers.
 */
final class SimNetwork {
    private final SimClock clock;
    private final Random random;
    private final Map<String, Map<String, Transport.Handler>> handlers = new HashMap<>();
    private final Map<String, Integer> side = new HashMap<>();
    /** Decides, for a deterministic scenario, which requests are lost on the way (null: none). */
    interface Filter {
        boolean drop(String from, String to, Messages.Message request);
    }

    double dropRate;
    Filter filter;
    long minDelayNanos = Duration.ofMillis(1).toNanos();
    long maxDelayNanos = Duration.ofMillis(5).toNanos();
    long sent;
    long dropped;

    SimNetwork(SimClock clock, Random random) {
        this.clock = clock;
        this.random = random;
    }

    Transport transport(String member) {
        Map<String, Transport.Handler> own = handlers.computeIfAbsent(member, m -> new ConcurrentHashMap<>());
        return new Transport() {
            @Override
            public CompletableFuture<byte[]> request(String to, String type, byte[] payload, Duration timeout) {
                return send(member, to, type, payload, timeout);
            }

            @Override
            public void register(String type, Handler handler) {
                own.put(type, handler);
            }

            @Override
            public void unregister(String type) {
                own.remove(type);
            }
        };
    }

    /** Removes every handler of a member (it crashed). */
    void crash(String member) {
        handlers.getOrDefault(member, Map.of()).clear();
    }

    /** Puts members on numbered sides; members on different sides cannot talk. */
    void partition(Map<String, Integer> sides) {
        side.clear();
        side.putAll(sides);
    }

    void heal() {
        side.clear();
    }

    boolean connected(String a, String b) {
        return side.getOrDefault(a, 0).equals(side.getOrDefault(b, 0));
    }

    private long delay() {
        return minDelayNanos + (long) (random.nextDouble() * (maxDelayNanos - minDelayNanos));
    }

    private boolean lose() {
        return dropRate > 0 && random.nextDouble() < dropRate;
    }

    private boolean filtered(String from, String to, byte[] payload) {
        Filter f = filter;
        return f != null && f.drop(from, to, MessageCodec.decode(payload));
    }

    private CompletableFuture<byte[]> send(String from, String to, String type, byte[] payload, Duration timeout) {
        CompletableFuture<byte[]> f = new CompletableFuture<>();
        clock.schedule(timeout, () -> f.completeExceptionally(new TimeoutException(type + " to " + to)));
        sent++;
        if (!connected(from, to) || filtered(from, to, payload) || lose()) {
            dropped++;
            return f;
        }
        clock.schedule(delay(), () -> {
            Transport.Handler h = handlers.getOrDefault(to, Map.of()).get(type);
            if (h == null || !connected(from, to)) {
                return;
            }
            h.handle(from, payload).whenComplete((answer, err) -> {
                if (err != null || !connected(to, from) || lose()) {
                    return;
                }
                clock.schedule(delay(), () -> f.complete(answer));
            });
        });
        return f;
    }
}
