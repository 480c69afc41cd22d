package io.gatehouse.dataplane.internal.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last handler of an upstream connection: routes what the upstream sends to the forward call that
 * currently owns the connection. Idle in the pool it owns nothing; any data or a close then only removes
 * it from the pool.
 */
final class UpstreamConnection extends ChannelInboundHandlerAdapter implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(UpstreamConnection.class);

    final UpstreamPool pool;
    final String host;
    final int port;
    Channel channel;
    ForwardCall call;
    long idleSince;
    Throwable lastError;
    private final Runnable tick = this::tick;
    private ScheduledFuture<?> timer;
    private long timerDeadline;

    UpstreamConnection(UpstreamPool pool, String host, int port) {
        this.pool = pool;
        this.host = host;
        this.port = port;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.channel = ctx.channel();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ForwardCall c = call;
        if (c == null) {
            // an idle connection must stay silent: anything it says makes it unusable
            ReferenceCountUtil.release(msg);
            ctx.close();
            return;
        }
        c.upstreamReading();
        if (msg instanceof HttpResponse) {
            c.onResponseHead((HttpResponse) msg);
        }
        if (msg instanceof HttpContent) {
            c.onResponseContent((HttpContent) msg);
        } else if (!(msg instanceof HttpResponse)) {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ForwardCall c = call;
        if (c != null) {
            c.upstreamReadComplete();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        ForwardCall c = call;
        if (c != null) {
            c.upstreamWritabilityChanged();
        }
        super.channelWritabilityChanged(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
        ForwardCall c = call;
        call = null;
        if (c != null) {
            c.upstreamClosed(this);
        } else {
            pool.removeIdle(this);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("Upstream connection {} failed", ctx.channel(), cause);
        lastError = cause;
        ctx.close();
    }

    void close() {
        channel.close();
    }

    /**
     * Makes sure the read timer fires within {@code timeoutNanos}. One timer per connection, kept across
     * the exchanges it carries: a pooled connection reused with the same timeout schedules nothing.
     */
    void armReadTimer(long timeoutNanos) {
        long deadline = System.nanoTime() + timeoutNanos;
        if (timer != null) {
            if (timerDeadline - deadline <= 0) {
                return;
            }
            timer.cancel(false);
        }
        schedule(timeoutNanos, deadline);
    }

    private void schedule(long delay, long deadline) {
        timerDeadline = deadline;
        timer = channel.eventLoop().schedule(tick, delay, TimeUnit.NANOSECONDS);
    }

    private void tick() {
        timer = null;
        ForwardCall c = call;
        if (c == null || !channel.isActive()) {
            // idle in the pool: the next exchange arms it again
            return;
        }
        long now = System.nanoTime();
        long next = c.checkReadTimeout(now);
        if (next > 0 && call == c) {
            schedule(next, now + next);
        }
    }

    /** Deferred return to the pool (see {@link UpstreamPool#releaseLater}). */
    @Override
    public void run() {
        pool.release(this);
    }
}
