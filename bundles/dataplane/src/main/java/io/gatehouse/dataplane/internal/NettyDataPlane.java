package io.gatehouse.dataplane.internal;

import io.gatehouse.dataplane.DataPlane;
import io.gatehouse.dataplane.HttpListener;
import io.gatehouse.dataplane.ListenerSettings;
import io.gatehouse.dataplane.RequestHandler;
import io.gatehouse.dataplane.internal.http.DataPlaneContext;
import io.gatehouse.dataplane.internal.http.NettyHttpListener;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Netty data plane: owns the event loops (shared by every listener and every upstream connection),
 * the bounded blocking executor behind {@code Exchange.offload} and the per-event-loop upstream pools.
 * Constructible without OSGi (tests pass a {@link DataPlaneSettings}); the DS constructor delegates.
 */
@Component(service = DataPlane.class, configurationPid = "io.gatehouse.dataplane")
@Designate(ocd = NettyDataPlane.Config.class)
public final class NettyDataPlane implements DataPlane, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NettyDataPlane.class);

    /** OSGi configuration of the data plane (PID {@code io.gatehouse.dataplane}). */
    @ObjectClassDefinition(name = "Gatehouse data plane", description = "Netty event loops, upstream pools and "
            + "the blocking executor")
    public @interface Config {
        @AttributeDefinition(description = "Number of event loops; 0 = one per core")
        int eventLoops() default 0;

        @AttributeDefinition(description = "auto (epoll when available, else NIO), epoll or nio")
        String transport() default "auto";

        @AttributeDefinition(description = "Threads of the blocking executor behind Exchange.offload")
        int blockingThreads() default 16;

        @AttributeDefinition(description = "Queue capacity of the blocking executor; beyond it tasks are rejected")
        int blockingQueue() default 1024;

        @AttributeDefinition(description = "Idle keep-alive connections kept per upstream server and event loop")
        int upstreamMaxIdlePerServer() default 64;

        @AttributeDefinition(description = "Idle pooled upstream connections are closed after this long (e.g. 60s)")
        String upstreamIdleTimeout() default "60s";

        @AttributeDefinition(description = "How long closing listeners let exchanges in progress finish (e.g. 10s)")
        String drainTimeout() default "10s";
    }

    private final DataPlaneSettings settings;
    private final Transport transport;
    private final EventLoopGroup group;
    private final ThreadPoolExecutor blocking;
    private final DataPlaneContext context;
    private final Set<NettyHttpListener> listeners = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    @Activate
    public NettyDataPlane(Config config) {
        this(DataPlaneSettings.from(config));
    }

    public NettyDataPlane(DataPlaneSettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.transport = Transport.choose(settings.transport());
        int loops = settings.eventLoops() == 0 ? Runtime.getRuntime().availableProcessors() : settings.eventLoops();
        this.group = transport.newGroup(loops, new DefaultThreadFactory("gatehouse-io", true));
        this.blocking = new ThreadPoolExecutor(settings.blockingThreads(), settings.blockingThreads(), 60,
                TimeUnit.SECONDS, new ArrayBlockingQueue<>(settings.blockingQueue()),
                new DefaultThreadFactory("gatehouse-blocking", true), new ThreadPoolExecutor.AbortPolicy());
        this.blocking.allowCoreThreadTimeOut(true);
        try {
            this.context = new DataPlaneContext(transport, group, blocking, settings.upstreamMaxIdlePerServer(),
                    settings.upstreamIdleTimeout(), settings.drainTimeout());
        } catch (RuntimeException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            blocking.shutdownNow();
            throw e;
        }
        LOG.info("Data plane started: {} event loops, transport {}, blocking executor {} threads / queue {}",
                loops, transport.name(), settings.blockingThreads(), settings.blockingQueue());
    }

    @Override
    public HttpListener bind(ListenerSettings listenerSettings, RequestHandler handler) throws IOException {
        Objects.requireNonNull(listenerSettings, "settings");
        Objects.requireNonNull(handler, "handler");
        if (closed) {
            throw new IOException("the data plane is stopped");
        }
        NettyHttpListener listener = NettyHttpListener.bind(context, listenerSettings, handler, listeners::remove);
        listeners.add(listener);
        return listener;
    }

    @Override
    public String transport() {
        return transport.name();
    }

    @Override
    public int eventLoops() {
        return context.eventLoopCount();
    }

    /** The settings this data plane was started with. */
    public DataPlaneSettings settings() {
        return settings;
    }

    @Override
    public Map<String, List<ServedCertificate>> certificates() {
        Map<String, List<ServedCertificate>> out = new TreeMap<>();
        for (NettyHttpListener l : listeners) {
            List<ServedCertificate> served = l.servedCertificates();
            if (!served.isEmpty()) {
                out.put(l.settings().name(), served);
            }
        }
        return out;
    }

    @Override
    public Map<String, Integer> openConnections() {
        Map<String, Integer> out = new TreeMap<>();
        for (NettyHttpListener l : listeners) {
            out.merge(l.settings().name(), l.openConnections(), Integer::sum);
        }
        return out;
    }

    /** Closes every listener, the upstream pools, the event loops and the blocking executor. */
    @Deactivate
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<NettyHttpListener> draining = new ArrayList<>(listeners);
        for (NettyHttpListener l : draining) {
            l.close();
        }
        long deadline = System.nanoTime() + settings.drainTimeout().toNanos();
        for (NettyHttpListener l : draining) {
            l.awaitDrained(Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        }
        context.close();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        blocking.shutdown();
        try {
            if (!blocking.awaitTermination(5, TimeUnit.SECONDS)) {
                List<Runnable> dropped = blocking.shutdownNow();
                LOG.warn("Blocking executor did not stop within 5s; interrupted its tasks, dropped {} queued",
                        dropped.size());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            blocking.shutdownNow();
        }
        LOG.info("Data plane stopped");
    }
}
