package io.gatehouse.dataplane.internal;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.util.concurrent.ThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The socket transport: native epoll when it loads, NIO otherwise. Netty does not log why epoll is
 * unavailable, so the cause is logged here once per data plane start.
 */
public final class Transport {
    private static final Logger LOG = LoggerFactory.getLogger(Transport.class);

    private final boolean epoll;

    private Transport(boolean epoll) {
        this.epoll = epoll;
    }

    /** Chooses the transport for {@code auto}, {@code epoll} (fails when unavailable) or {@code nio}. */
    public static Transport choose(String wanted) {
        switch (wanted) {
            case "nio":
                return new Transport(false);
            case "epoll":
                if (!Epoll.isAvailable()) {
                    throw new IllegalStateException("transport epoll was requested but is unavailable: "
                            + Epoll.unavailabilityCause(), Epoll.unavailabilityCause());
                }
                return new Transport(true);
            default:
                if (Epoll.isAvailable()) {
                    return new Transport(true);
                }
                LOG.warn("Native epoll transport unavailable, falling back to NIO: {}",
                        String.valueOf(Epoll.unavailabilityCause()));
                return new Transport(false);
        }
    }

    public String name() {
        return epoll ? "epoll" : "nio";
    }

    public EventLoopGroup newGroup(int threads, ThreadFactory factory) {
        return epoll ? new EpollEventLoopGroup(threads, factory) : new NioEventLoopGroup(threads, factory);
    }

    public Class<? extends ServerChannel> serverChannel() {
        return epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    public Class<? extends Channel> clientChannel() {
        return epoll ? EpollSocketChannel.class : NioSocketChannel.class;
    }
}
