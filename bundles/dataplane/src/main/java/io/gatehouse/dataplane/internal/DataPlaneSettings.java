package io.gatehouse.dataplane.internal;

import io.gatehouse.api.config.Units;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * The data plane's own settings (one per OSGi configuration), validated on construction so a bad value
 * fails activation with a message naming the property.
 *
 * @param eventLoops               number of event loops; 0 = number of available processors
 * @param transport                {@code auto}, {@code epoll} or {@code nio}
 * @param blockingThreads          threads of the blocking executor behind {@code Exchange.offload}
 * @param blockingQueue            capacity of that executor's queue (rejections beyond it)
 * @param upstreamMaxIdlePerServer idle keep-alive connections kept per upstream server and event loop
 * @param upstreamIdleTimeout      an idle pooled upstream connection is closed after this long
 * @param drainTimeout             how long a closing listener lets exchanges in progress finish
 */
public record DataPlaneSettings(int eventLoops, String transport, int blockingThreads, int blockingQueue,
                                int upstreamMaxIdlePerServer, Duration upstreamIdleTimeout, Duration drainTimeout) {

    public DataPlaneSettings {
        if (eventLoops < 0 || eventLoops > 1024) {
            throw new IllegalArgumentException("eventLoops must be 0..1024 (0 = one per core): " + eventLoops);
        }
        Objects.requireNonNull(transport, "transport");
        transport = transport.trim().toLowerCase(Locale.ROOT);
        if (!transport.equals("auto") && !transport.equals("epoll") && !transport.equals("nio")) {
            throw new IllegalArgumentException("transport must be auto, epoll or nio: " + transport);
        }
        if (blockingThreads < 1 || blockingThreads > 1024) {
            throw new IllegalArgumentException("blockingThreads must be 1..1024: " + blockingThreads);
        }
        if (blockingQueue < 1 || blockingQueue > 1_000_000) {
            throw new IllegalArgumentException("blockingQueue must be 1..1000000: " + blockingQueue);
        }
        if (upstreamMaxIdlePerServer < 0 || upstreamMaxIdlePerServer > 10_000) {
            throw new IllegalArgumentException("upstreamMaxIdlePerServer must be 0..10000: " + upstreamMaxIdlePerServer);
        }
        positive(upstreamIdleTimeout, "upstreamIdleTimeout");
        positive(drainTimeout, "drainTimeout");
    }

    private static void positive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive: " + d);
        }
    }

    /** The defaults of the OSGi configuration. */
    public static DataPlaneSettings defaults() {
        return new DataPlaneSettings(0, "auto", 16, 1024, 64, Duration.ofSeconds(60), Duration.ofSeconds(10));
    }

    /** A copy with another number of event loops. */
    public DataPlaneSettings withEventLoops(int n) {
        return new DataPlaneSettings(n, transport, blockingThreads, blockingQueue, upstreamMaxIdlePerServer,
                upstreamIdleTimeout, drainTimeout);
    }

    /** A copy with another transport. */
    public DataPlaneSettings withTransport(String t) {
        return new DataPlaneSettings(eventLoops, t, blockingThreads, blockingQueue, upstreamMaxIdlePerServer,
                upstreamIdleTimeout, drainTimeout);
    }

    /** A copy with other blocking executor limits. */
    public DataPlaneSettings withBlocking(int threads, int queue) {
        return new DataPlaneSettings(eventLoops, transport, threads, queue, upstreamMaxIdlePerServer,
                upstreamIdleTimeout, drainTimeout);
    }

    /** A copy with another drain timeout. */
    public DataPlaneSettings withDrainTimeout(Duration d) {
        return new DataPlaneSettings(eventLoops, transport, blockingThreads, blockingQueue, upstreamMaxIdlePerServer,
                upstreamIdleTimeout, d);
    }

    /** A copy with other upstream pool limits. */
    public DataPlaneSettings withUpstreamPool(int maxIdlePerServer, Duration idleTimeout) {
        return new DataPlaneSettings(eventLoops, transport, blockingThreads, blockingQueue, maxIdlePerServer,
                idleTimeout, drainTimeout);
    }

    static DataPlaneSettings from(NettyDataPlane.Config c) {
        return new DataPlaneSettings(c.eventLoops(), c.transport(), c.blockingThreads(), c.blockingQueue(),
                c.upstreamMaxIdlePerServer(), duration(c.upstreamIdleTimeout(), "upstreamIdleTimeout"),
                duration(c.drainTimeout(), "drainTimeout"));
    }

    private static Duration duration(String text, String name) {
        try {
            return Units.duration(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + ": " + e.getMessage(), e);
        }
    }
}
