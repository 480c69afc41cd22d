package io.gatehouse.dataplane.internal.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;

/**
 * First handler of a client connection: registers it with its listener (for draining), closes it when idle
 * without exchanges, and drives the request-head timer (it sees every read before any decoder).
 */
final class ConnectionGuard extends ChannelInboundHandlerAdapter {
    private final ConnectionState conn;

    ConnectionGuard(ConnectionState conn) {
        this.conn = conn;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        conn.listener.connectionOpened(conn);
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        conn.cancelHeadTimer();
        conn.listener.connectionClosed(conn);
        super.channelInactive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        conn.bytesRead();
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        conn.readComplete();
        ctx.fireChannelReadComplete();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent) {
            if (conn.idle()) {
                ctx.close();
            }
            return;
        }
        super.userEventTriggered(ctx, evt);
    }
}
