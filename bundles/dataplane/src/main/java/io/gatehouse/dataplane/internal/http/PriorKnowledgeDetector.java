package io.gatehouse.dataplane.internal.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Looks at the first bytes of a connection: the HTTP/2 connection preface switches the connection to
 * HTTP/2 (prior knowledge); anything else leaves the HTTP/1.1 handlers (which also handle
 * {@code Upgrade: h2c}) in place. Removes itself either way.
 */
final class PriorKnowledgeDetector extends ByteToMessageDecoder {
    private static final ByteBuf PREFACE = Unpooled.unreleasableBuffer(
            Unpooled.wrappedBuffer("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));

    private final ConnectionState conn;
    private final ChannelHandler[] http1;
    private final ChannelHandler http2;

    PriorKnowledgeDetector(ConnectionState conn, ChannelHandler http2, ChannelHandler... http1) {
        this.conn = conn;
        this.http1 = http1;
        this.http2 = http2;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        int length = PREFACE.readableBytes();
        int n = Math.min(in.readableBytes(), length);
        if (!ByteBufUtil.equals(PREFACE, PREFACE.readerIndex(), in, in.readerIndex(), n)) {
            ctx.pipeline().remove(this);
        } else if (n == length) {
            for (ChannelHandler h : http1) {
                ctx.pipeline().remove(h);
            }
            conn.http2();
            ctx.pipeline().addAfter(ctx.name(), null, http2);
            ctx.pipeline().remove(this);
        }
    }
}
