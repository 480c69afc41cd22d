package io.gatehouse.admin.internal;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;

/**
 * Reads a request body asynchronously (read/demand loop, no thread parked on the socket) into one array, and
 * stops at {@code limit} bytes: a larger body fails with 413 as soon as the limit is crossed, whether the
 * client declared a Content-Length or streamed it chunked. The demand callback is a plain Runnable, which
 * Jetty treats as blocking and runs on its pool, so the sink may call into the configuration service.
 *
 * <p>Past the limit the rest of the body is read and dropped, up to {@link #DRAIN_LIMIT} more bytes, before the
 * 413 is answered: a connection closed with request bytes still unread is reset by the kernel, and a client
 * still sending then loses the answer ("header parser received no bytes", seen in a CI run). A body larger
 * than that gets its 413 at once, and the connection closes.
 */
final class BodyReader implements Runnable {
    private final Request request;
    private final int limit;
    private final Consumer<byte[]> onBody;
    private final Consumer<Throwable> onFailure;
    /** How much of a too large body is read and dropped so that the client gets its 413. */
    static final long DRAIN_LIMIT = 1024 * 1024;

    private byte[] buffer;
    private int size;
    private boolean draining;
    private long drained;

    BodyReader(Request request, int limit, Consumer<byte[]> onBody, Consumer<Throwable> onFailure) {
        this.request = request;
        this.limit = limit;
        this.onBody = onBody;
        this.onFailure = onFailure;
        long declared = request.getLength();
        this.buffer = new byte[(int) Math.min(limit, declared > 0 ? declared : 8192)];
    }

    @Override
    public void run() {
        while (true) {
            Content.Chunk chunk = request.read();
            if (chunk == null) {
                request.demand(this);
                return;
            }
            if (Content.Chunk.isFailure(chunk)) {
                onFailure.accept(failure(chunk.getFailure()));
                return;
            }
            boolean last = chunk.isLast();
            ByteBuffer data = chunk.getByteBuffer();
            int n = data.remaining();
            if (draining || n > limit - size) {
                chunk.release();
                draining = true;
                buffer = null;
                drained += n;
                if (last || drained > DRAIN_LIMIT) {
                    onFailure.accept(tooLarge(limit));
                    return;
                }
                continue;
            }
            if (size + n > buffer.length) {
                buffer = Arrays.copyOf(buffer, (int) Math.min(limit, Math.max(size + n, 2L * buffer.length)));
            }
            data.get(buffer, size, n);
            size += n;
            chunk.release();
            if (last) {
                onBody.accept(size == buffer.length ? buffer : Arrays.copyOf(buffer, size));
                return;
            }
        }
    }

    static ApiException tooLarge(int limit) {
        return new ApiException(413, "payload_too_large",
                "the request body is larger than maxRequestSize (" + limit + " bytes)");
    }

    private static Throwable failure(Throwable cause) {
        if (cause instanceof TimeoutException) {
            return new ApiException(408, "request_timeout", "the request body was not received in time");
        }
        return cause;
    }
}
