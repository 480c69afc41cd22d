package io.gatehouse.dataplane.internal.http;

import io.gatehouse.dataplane.HttpListener;
import io.gatehouse.dataplane.ListenerSettings;
import io.gatehouse.dataplane.RequestHandler;
import io.gatehouse.dataplane.ServerTls;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One bound HTTP listener on the data plane's shared event loops. Settings and handler are volatile
 * snapshots: a new handler applies to the next request head, new limits to the next connection. Closing
 * stops accepting, closes idle connections, lets exchanges in progress finish up to the drain timeout,
 * then cuts what is left.
 */
public final class NettyHttpListener implements HttpListener {
    private static final Logger LOG = LoggerFactory.getLogger(NettyHttpListener.class);
    static final long REFUSAL_LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final DataPlaneContext context;
    private final Consumer<NettyHttpListener> onDrained;
    private final Set<ConnectionState> connections = ConcurrentHashMap.newKeySet();
    private final CompletableFuture<Void> drained = new CompletableFuture<>();
    /** Accepted client connections not closed yet (counted at accept, before the pipeline is built). */
    private final AtomicInteger open = new AtomicInteger();
    private final ChannelFutureListener onConnectionClosed = f -> open.decrementAndGet();
    private final AtomicLong refusedSinceLog = new AtomicLong();
    private final AtomicLong nextRefusalLog = new AtomicLong(System.nanoTime());
    /** The settings and their HTTPS contexts, published together (a connection reads both at once). */
    record Current(ListenerSettings settings, ServerTlsState tls) {
    }

    private volatile Current current;
    private volatile RequestHandler handler;
    private volatile boolean closed;
    /** The reload timer; touched on the server channel's event loop only. */
    private ScheduledFuture<?> tlsReload;
    private Channel serverChannel;
    private InetSocketAddress localAddress;

    private NettyHttpListener(DataPlaneContext context, ListenerSettings settings, RequestHandler handler,
                              Consumer<NettyHttpListener> onDrained) {
        this.context = context;
        this.current = new Current(settings, null);
        this.handler = handler;
        this.onDrained = onDrained;
    }

    /** Binds now, so that an address in use surfaces as a {@link BindException} to the caller. */
    public static NettyHttpListener bind(DataPlaneContext context, ListenerSettings settings, RequestHandler handler,
                                         Consumer<NettyHttpListener> onDrained) throws IOException {
        NettyHttpListener listener = new NettyHttpListener(context, settings, handler, onDrained);
        if (settings.tls() != null) {
            // before the port is bound: files that cannot be read leave the port free, with the reason
            listener.current = new Current(settings, ServerTlsState.load(settings.name(), settings.tls(),
                    settings.http2()));
        }
        ServerBootstrap b = new ServerBootstrap()
                .group(context.group())
                .channel(context.transport().serverChannel())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .handler(listener.new AcceptLimiter())
                .childHandler(new ServerInitializer(listener));
        InetSocketAddress address = new InetSocketAddress(settings.address(), settings.port());
        if (address.isUnresolved()) {
            throw new BindException("cannot resolve listener address " + settings.address());
        }
        ChannelFuture f = b.bind(address).awaitUninterruptibly();
        if (!f.isSuccess()) {
            throw bindFailure(settings, f.cause());
        }
        listener.serverChannel = f.channel();
        listener.localAddress = (InetSocketAddress) f.channel().localAddress();
        listener.serverChannel.eventLoop().execute(listener::scheduleTlsReload);
        LOG.info("HTTP listener {} bound to {} ({}, HTTP/2 {})", settings.name(), listener.localAddress,
                settings.tls() != null ? "HTTPS" : "HTTP", settings.http2() ? "on" : "off");
        return listener;
    }

    private static IOException bindFailure(ListenerSettings s, Throwable cause) {
        String where = s.address() + ":" + s.port();
        if (cause instanceof BindException) {
            BindException e = new BindException("cannot bind " + where + ": " + cause.getMessage());
            e.initCause(cause);
            return e;
        }
        String message = String.valueOf(cause.getMessage());
        if (message.contains("Address already in use") || message.contains("Cannot assign requested address")
                || message.contains("Permission denied")) {
            BindException e = new BindException("cannot bind " + where + ": " + message);
            e.initCause(cause);
            return e;
        }
        return cause instanceof IOException ? new IOException("cannot bind " + where + ": " + message, cause)
                : new IOException("cannot bind " + where, cause);
    }

    DataPlaneContext context() {
        return context;
    }

    RequestHandler handler() {
        return handler;
    }

    @Override
    public ListenerSettings settings() {
        return current.settings();
    }

    /** The settings and HTTPS contexts for a connection accepted now. */
    Current current() {
        return current;
    }

    @Override
    public InetSocketAddress localAddress() {
        return localAddress;
    }

    @Override
    public void handler(RequestHandler handler) {
        this.handler = Objects.requireNonNull(handler, "handler");
    }

    /**
     * New limits for new connections; a change of HTTPS (on, off, other files or protocols) loads the new
     * contexts first and throws {@link IllegalArgumentException} when they cannot be loaded, leaving the
     * listener as it was. Open connections keep what they were accepted with.
     */
    @Override
    public void reconfigure(ListenerSettings newSettings) {
        Objects.requireNonNull(newSettings, "settings");
        Current now = current;
        ListenerSettings settings = now.settings();
        if (!newSettings.sameSocket(settings)) {
            throw new IllegalArgumentException("listener " + settings.name() + " is bound to " + settings.address()
                    + ":" + settings.port() + "; " + newSettings.address() + ":" + newSettings.port()
                    + " needs a new listener");
        }
        if (Objects.equals(newSettings.tls(), settings.tls()) && newSettings.http2() == settings.http2()) {
            current = new Current(newSettings, now.tls());
            return;
        }
        ServerTlsState next = null;
        if (newSettings.tls() != null) {
            try {
                next = ServerTlsState.load(newSettings.name(), newSettings.tls(), newSettings.http2());
            } catch (SSLException e) {
                throw new IllegalArgumentException(e.getMessage(), e);
            }
        }
        current = new Current(newSettings, next);
        serverChannel.eventLoop().execute(this::scheduleTlsReload);
    }

    /** The certificates this listener serves now (none for plain HTTP). */
    public List<io.gatehouse.dataplane.DataPlane.ServedCertificate> servedCertificates() {
        ServerTlsState state = current.tls();
        return state == null ? List.of() : state.served();
    }

    /** The HTTPS contexts for a connection accepted now, or null for plain HTTP. */
    ServerTlsState tls() {
        return current.tls();
    }

    /**
     * (Re)starts the timer that reads the certificate files again. The timer runs on the listener's event loop
     * but only hands the work to the data plane's blocking executor: reading and checking the files (and
     * building contexts on a change) never holds an event loop.
     */
    private void scheduleTlsReload() {
        if (tlsReload != null) {
            tlsReload.cancel(false);
            tlsReload = null;
        }
        ServerTlsState state = current.tls();
        if (state == null || closed
                || state.settings().certificates().stream().noneMatch(ServerTls.Certificate::files)) {
            // no file to read again: an object's text is replaced by new settings (a reconfigure)
            return;
        }
        long every = state.settings().reloadInterval().toMillis();
        tlsReload = serverChannel.eventLoop().scheduleWithFixedDelay(() -> {
            ServerTlsState tls = current.tls();
            if (tls == null) {
                return;
            }
            try {
                context.blocking().execute(tls::reloadIfChanged);
            } catch (RejectedExecutionException e) {
                LOG.debug("HTTPServer '{}': TLS reload check skipped, the blocking executor is saturated",
                        current.settings().name());
            }
        }, every, every, TimeUnit.MILLISECONDS);
    }

    /**
     * On the server channel, before Netty registers an accepted connection: counts it, or closes it at once
     * when the listener already has {@code maxConnections} open (in accept order, before any byte is read or
     * any pipeline is built). Refusals are logged at most once per {@link #REFUSAL_LOG_INTERVAL_NANOS}.
     */
    private final class AcceptLimiter extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            Channel child = (Channel) msg;
            int max = current.settings().maxConnections();
            if (open.incrementAndGet() > max) {
                open.decrementAndGet();
                child.unsafe().closeForcibly();
                refused(max);
                return;
            }
            child.closeFuture().addListener(onConnectionClosed);
            ctx.fireChannelRead(child);
        }
    }

    private void refused(int maxConnections) {
        refusedSinceLog.incrementAndGet();
        long now = System.nanoTime();
        long next = nextRefusalLog.get();
        if (now - next >= 0 && nextRefusalLog.compareAndSet(next, now + REFUSAL_LOG_INTERVAL_NANOS)) {
            LOG.warn("HTTP server '{}' has {} open client connections, its maxConnections limit: new connections "
                    + "are closed at once ({} refused since the last such message; logged at most every {} s)",
                    current.settings().name(), maxConnections, refusedSinceLog.getAndSet(0),
                    TimeUnit.NANOSECONDS.toSeconds(REFUSAL_LOG_INTERVAL_NANOS));
        }
    }

    /** Client connections counted against {@code maxConnections} (for tests and diagnostics). */
    public int openConnections() {
        return open.get();
    }

    void connectionOpened(ConnectionState conn) {
        connections.add(conn);
        if (closed) {
            conn.channel.eventLoop().execute(conn::drain);
        }
    }

    void connectionClosed(ConnectionState conn) {
        connections.remove(conn);
        if (closed && connections.isEmpty()) {
            markDrained();
        }
    }

    private void markDrained() {
        if (drained.complete(null)) {
            onDrained.accept(this);
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        serverChannel.eventLoop().execute(() -> {
            if (tlsReload != null) {
                tlsReload.cancel(false);
            }
        });
        ChannelFuture closing = serverChannel.close();
        if (!serverChannel.eventLoop().inEventLoop()) {
            // waiting on the channel's own event loop would deadlock; from anywhere else the port is free after
            closing.awaitUninterruptibly();
        }
        LOG.info("HTTP listener {} on {} closed; draining {} connections", settings().name(), localAddress,
                connections.size());
        for (ConnectionState conn : connections) {
            conn.channel.eventLoop().execute(conn::drain);
        }
        if (connections.isEmpty()) {
            markDrained();
            return;
        }
        long drainMillis = context.drainTimeout().toMillis();
        serverChannel.eventLoop().schedule(this::cutRemaining, drainMillis, TimeUnit.MILLISECONDS);
    }

    private void cutRemaining() {
        List<ConnectionState> left = new ArrayList<>(connections);
        if (!left.isEmpty()) {
            LOG.warn("HTTP listener {}: {} connections still busy after the drain timeout, closing them",
                    settings().name(), left.size());
        }
        for (ConnectionState conn : left) {
            conn.channel.close();
        }
    }

    /** Waits until every connection is closed, cutting the remaining ones when the time is up. */
    public void awaitDrained(long millis) {
        try {
            drained.get(millis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            cutRemaining();
            try {
                drained.get(2, TimeUnit.SECONDS);
            } catch (TimeoutException | ExecutionException again) {
                LOG.warn("HTTP listener {}: connections did not close in time", settings().name());
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
        } catch (ExecutionException e) {
            LOG.warn("HTTP listener {}: drain failed", settings().name(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Number of open client connections (for tests and diagnostics). */
    public int connectionCount() {
        return connections.size();
    }
}
