package io.gatehouse.dataplane.internal.http;

import io.gatehouse.api.plugin.BodyTransform;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The body transformations of one request or response body, applied in the order they were added. A piece
 * goes through the first, its output through the second, and so on; at the end of the body, each
 * transformation's {@link BodyTransform#end()} output goes through the ones after it.
 *
 * <p>Ownership (the {@link BodyTransform} contract): a transformation sees a read-only view of the gateway's
 * buffer, valid during the call only; what it returns becomes the gateway's. A returned buffer that is
 * read-only may be a view of the gateway's memory, so it is copied; any other is wrapped without a copy.
 */
final class BodyTransforms {
    private final List<BodyTransform> transforms = new ArrayList<>(2);
    private boolean ended;

    void add(BodyTransform t) {
        transforms.add(t);
    }

    /**
     * Transforms {@code in} (released here, whatever happens) and, when {@code last}, ends the body.
     *
     * @return the bytes to send on (possibly empty), owned by the caller
     * @throws Exception what a transformation threw
     */
    ByteBuf apply(ByteBuf in, boolean last) throws Exception {
        ByteBuf out;
        try {
            out = through(0, in);
        } finally {
            in.release();
        }
        if (!last || ended) {
            return out;
        }
        ended = true;
        try {
            for (int i = 0; i < transforms.size(); i++) {
                ByteBuf raw = wrap(transforms.get(i).end());
                ByteBuf tail;
                try {
                    tail = through(i + 1, raw);
                } finally {
                    raw.release();
                }
                if (tail.isReadable()) {
                    out = Unpooled.wrappedBuffer(out, tail);
                } else {
                    tail.release();
                }
            }
        } catch (Exception | Error e) {
            out.release();
            throw e;
        }
        return out;
    }

    /**
     * Transforms a piece of a body (released here, whatever happens) into a new piece of the same kind: the last
     * one ends the body and keeps its trailers.
     */
    HttpContent apply(HttpContent content) throws Exception {
        boolean last = content instanceof LastHttpContent;
        ByteBuf out = apply(content.content(), last);
        if (last) {
            LastHttpContent l = new DefaultLastHttpContent(out);
            l.trailingHeaders().set(((LastHttpContent) content).trailingHeaders());
            return l;
        }
        return new DefaultHttpContent(out);
    }

    /** Transforms one whole body at once (a gateway-made or read body). */
    byte[] applyAll(byte[] body) throws Exception {
        ByteBuf out = apply(Unpooled.wrappedBuffer(body == null ? new byte[0] : body), true);
        try {
            byte[] bytes = new byte[out.readableBytes()];
            out.readBytes(bytes);
            return bytes;
        } finally {
            out.release();
        }
    }

    /** Runs {@code buf} through the transformations from {@code from} on; returns a buffer the caller owns. */
    private ByteBuf through(int from, ByteBuf buf) throws Exception {
        ByteBuf current = buf.retain();
        for (int i = from; i < transforms.size(); i++) {
            ByteBuffer view = current.nioBufferCount() == 1 ? current.nioBuffer().asReadOnlyBuffer()
                    : ByteBuffer.wrap(toArray(current)).asReadOnlyBuffer();
            ByteBuffer result;
            try {
                result = transforms.get(i).piece(view);
            } catch (Exception | Error e) {
                current.release();
                throw e;
            }
            if (result == view && view.position() == 0 && view.limit() == current.readableBytes()) {
                continue; // the piece itself, untouched: sent unchanged
            }
            ByteBuf next = wrap(result);
            current.release();
            current = next;
        }
        return current;
    }

    private static byte[] toArray(ByteBuf b) {
        byte[] a = new byte[b.readableBytes()];
        b.getBytes(b.readerIndex(), a);
        return a;
    }

    /** The gateway's buffer for what a transformation returned (a read-only one may be a view of ours). */
    private static ByteBuf wrap(ByteBuffer result) {
        if (result == null || !result.hasRemaining()) {
            return Unpooled.EMPTY_BUFFER;
        }
        return result.isReadOnly() ? Unpooled.copiedBuffer(result) : Unpooled.wrappedBuffer(result);
    }
}
