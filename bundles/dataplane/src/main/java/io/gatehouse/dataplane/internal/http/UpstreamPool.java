package io.gatehouse.dataplane.internal.http;

import io.gatehouse.dataplane.internal.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Keep-alive upstream connections of ONE event loop, keyed by host and port. Only that event loop touches
 * it, so there are no locks. Most recently used connections are reused first (LIFO); the oldest idle ones
 * are closed by a periodic sweep after the idle timeout.
 */
final class UpstreamPool {
    private final EventLoop loop;
    private final Bootstrap bootstrap;
    private final int maxIdle;
    private final long idleTimeoutNanos;
    private final Map<String, IntObjectHashMap<ArrayDeque<UpstreamConnection>>> idle = new HashMap<>();
    private ScheduledFuture<?> sweeper;
    private boolean closed;

    UpstreamPool(EventLoop loop, Transport transport, int maxIdle, Duration idleTimeout) {
        this.loop = loop;
        this.maxIdle = maxIdle;
        this.idleTimeoutNanos = idleTimeout.toNanos();
        this.bootstrap = new Bootstrap().group(loop).channel(transport.clientChannel())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT);
    }

    EventLoop loop() {
        return loop;
    }

    /** An idle, still open connection to host:port, or null. */
    UpstreamConnection acquire(String host, int port) {
        ArrayDeque<UpstreamConnection> q = queue(host, port, false);
        if (q == null) {
            return null;
        }
        UpstreamConnection c;
        while ((c = q.pollFirst()) != null) {
            if (c.channel.isActive()) {
                return c;
            }
            c.close();
        }
        return null;
    }

    /** Returns a connection whose last exchange was framed completely and which the upstream keeps open. */
    void release(UpstreamConnection c) {
        c.call = null;
        if (closed || maxIdle == 0 || !c.channel.isActive()) {
            c.close();
            return;
        }
        ArrayDeque<UpstreamConnection> q = queue(c.host, c.port, true);
        if (q.size() >= maxIdle) {
            c.close();
            return;
        }
        c.idleSince = System.nanoTime();
        // read while idle so that a close by the upstream is noticed at once
        c.channel.config().setAutoRead(true);
        q.addFirst(c);
        if (sweeper == null) {
            long period = Math.max(TimeUnit.SECONDS.toNanos(1), Math.min(idleTimeoutNanos / 2,
                    TimeUnit.SECONDS.toNanos(30)));
            sweeper = loop.scheduleAtFixedRate(this::sweep, period, period, TimeUnit.NANOSECONDS);
        }
    }

    /**
     * Returns the connection to the pool after the current read: an upstream that sends its response and
     * closes right away has its end-of-stream read in the same event, and it must be seen (the channel is
     * then inactive) before anyone can take the connection.
     */
    void releaseLater(UpstreamConnection c) {
        c.call = null;
        loop.execute(c);
    }

    void removeIdle(UpstreamConnection c) {
        ArrayDeque<UpstreamConnection> q = queue(c.host, c.port, false);
        if (q != null) {
            q.remove(c);
        }
    }

    /**
     * Connects a new connection for host:port (the caller runs on this pool's event loop); with {@code tls}, the
     * connection starts with its handler (the caller waits for its handshake).
     *
     * @param key      the pool key (host, and the TLS settings of an HTTPS upstream)
     * @param tls      the client context of an HTTPS upstream, or null
     * @param peerHost the name sent as SNI and verified (HTTPS only)
     */
    ChannelFuture connect(String key, int port, SocketAddress address, int connectTimeoutMillis, SslContext tls,
                          String peerHost) {
        return bootstrap.clone()
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (tls != null) {
                            SslHandler handler = tls.newHandler(ch.alloc(), peerHost, port);
                            handler.setHandshakeTimeoutMillis(connectTimeoutMillis);
                            ch.pipeline().addLast(handler);
                        }
                        ch.pipeline().addLast(new UpstreamCodec(new HttpDecoderConfig()
                                        .setMaxInitialLineLength(8192)
                                        .setMaxHeaderSize(65536)
                                        .setMaxChunkSize(65536)),
                                new UpstreamConnection(UpstreamPool.this, key, port));
                    }
                })
                .connect(address);
    }

    private ArrayDeque<UpstreamConnection> queue(String host, int port, boolean create) {
        IntObjectHashMap<ArrayDeque<UpstreamConnection>> ports = idle.get(host);
        if (ports == null) {
            if (!create) {
                return null;
            }
            ports = new IntObjectHashMap<>(4);
            idle.put(host, ports);
        }
        ArrayDeque<UpstreamConnection> q = ports.get(port);
        if (q == null && create) {
            q = new ArrayDeque<>(Math.min(16, Math.max(1, maxIdle)));
            ports.put(port, q);
        }
        return q;
    }

    private void sweep() {
        long now = System.nanoTime();
        for (IntObjectHashMap<ArrayDeque<UpstreamConnection>> ports : idle.values()) {
            for (ArrayDeque<UpstreamConnection> q : ports.values()) {
                UpstreamConnection c;
                while ((c = q.peekLast()) != null && now - c.idleSince >= idleTimeoutNanos) {
                    q.pollLast();
                    c.close();
                }
            }
        }
    }

    /** Closes every idle connection; runs on the event loop. */
    void close() {
        if (loop.isShuttingDown()) {
            return;
        }
        loop.execute(() -> {
            closed = true;
            if (sweeper != null) {
                sweeper.cancel(false);
            }
            List<UpstreamConnection> all = new ArrayList<>();
            for (IntObjectHashMap<ArrayDeque<UpstreamConnection>> ports : idle.values()) {
                for (ArrayDeque<UpstreamConnection> q : ports.values()) {
                    all.addAll(q);
                    q.clear();
                }
            }
            for (UpstreamConnection c : all) {
                c.close();
            }
        });
    }
}
