package io.gatehouse.dataplane.internal.http;

import io.gatehouse.dataplane.internal.Transport;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import java.time.Duration;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;

/**
 * What listeners and exchanges share: the transport, the event loops, the blocking executor and one
 * upstream pool per event loop. The pool map is built once and never changes, so the request path
 * reads it without locks; each pool is only touched by its own event loop.
 */
public final class DataPlaneContext {
    private final Transport transport;
    private final EventLoopGroup group;
    private final ExecutorService blocking;
    private final Map<EventExecutor, UpstreamPool> pools;
    private final Duration drainTimeout;
    private final int eventLoopCount;
    private final UpstreamTlsContexts upstreamTls = new UpstreamTlsContexts();

    public DataPlaneContext(Transport transport, EventLoopGroup group, ExecutorService blocking,
                            int maxIdlePerServer, Duration upstreamIdleTimeout, Duration drainTimeout) {
        this.transport = transport;
        this.group = group;
        this.blocking = blocking;
        this.drainTimeout = drainTimeout;
        Map<EventExecutor, UpstreamPool> map = new IdentityHashMap<>();
        for (EventExecutor executor : group) {
            EventLoop loop = (EventLoop) executor;
            map.put(loop, new UpstreamPool(loop, transport, maxIdlePerServer, upstreamIdleTimeout));
        }
        this.pools = map;
        this.eventLoopCount = map.size();
    }

    Transport transport() {
        return transport;
    }

    EventLoopGroup group() {
        return group;
    }

    ExecutorService blocking() {
        return blocking;
    }

    Duration drainTimeout() {
        return drainTimeout;
    }

    /** The upstream pool of an event loop (the caller runs on it). */
    UpstreamPool pool(EventExecutor loop) {
        UpstreamPool pool = pools.get(loop);
        if (pool == null) {
            throw new IllegalStateException("not an event loop of this data plane: " + loop);
        }
        return pool;
    }

    /** The client contexts of HTTPS upstreams. */
    UpstreamTlsContexts upstreamTls() {
        return upstreamTls;
    }

    public int eventLoopCount() {
        return eventLoopCount;
    }

    /** Closes every pooled upstream connection (each on its own event loop). */
    public void close() {
        for (UpstreamPool pool : pools.values()) {
            pool.close();
        }
    }
}
