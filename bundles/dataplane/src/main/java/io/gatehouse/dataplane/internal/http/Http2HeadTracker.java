package io.gatehouse.dataplane.internal.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Follows the frame boundaries of an HTTP/2 connection's input (it only reads the 9-byte frame headers and
 * skips payloads, before Netty's frame decoder) and tells the connection whether a request head is
 * incomplete: the connection preface, a frame other than DATA, or a header block (HEADERS without
 * END_HEADERS, until the CONTINUATION that ends it). The request-head timeout then applies to HTTP/2 as it
 * does to HTTP/1, so dripping a preface, a HEADERS frame or CONTINUATIONs cannot hold a connection; a slow
 * DATA frame is the request body's business (body idle timeout).
 */
final class Http2HeadTracker extends ChannelInboundHandlerAdapter {
    private static final int PREFACE_LENGTH = 24;
    private static final int FRAME_HEADER_LENGTH = 9;
    private static final int DATA = 0x0;
    private static final int HEADERS = 0x1;
    private static final int CONTINUATION = 0x9;
    private static final int END_HEADERS = 0x4;

    private final ConnectionState conn;
    private int prefaceLeft = PREFACE_LENGTH;
    private int headerRead;
    private int length;
    private int type;
    private int flags;
    private int payloadLeft;
    private boolean blockOpen;

    Http2HeadTracker(ConnectionState conn) {
        this.conn = conn;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf) {
            scan((ByteBuf) msg);
            conn.http2HeadPending(pending());
        }
        ctx.fireChannelRead(msg);
    }

    private void scan(ByteBuf buf) {
        int i = buf.readerIndex();
        int end = buf.writerIndex();
        while (i < end) {
            if (prefaceLeft > 0) {
                int n = Math.min(prefaceLeft, end - i);
                prefaceLeft -= n;
                i += n;
            } else if (payloadLeft > 0) {
                int n = Math.min(payloadLeft, end - i);
                payloadLeft -= n;
                i += n;
                if (payloadLeft == 0) {
                    frameDone();
                }
            } else {
                int b = buf.getUnsignedByte(i++);
                if (headerRead < 3) {
                    length = length << 8 | b;
                } else if (headerRead == 3) {
                    type = b;
                } else if (headerRead == 4) {
                    flags = b;
                }
                if (++headerRead == FRAME_HEADER_LENGTH) {
                    headerRead = 0;
                    payloadLeft = length;
                    length = 0;
                    if (payloadLeft == 0) {
                        frameDone();
                    }
                }
            }
        }
    }

    private void frameDone() {
        if (type == HEADERS || type == CONTINUATION) {
            blockOpen = (flags & END_HEADERS) == 0;
        }
    }

    /** Whether the input ends inside the preface, a frame header, a non-DATA frame or a header block. */
    boolean pending() {
        return prefaceLeft > 0 && prefaceLeft < PREFACE_LENGTH || headerRead > 0
                || payloadLeft > 0 && type != DATA || blockOpen;
    }
}
