package io.gatehouse.dataplane.internal.http;

import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * The client's request body. Pieces the decoder already produced wait here (bounded by one read, since
 * reading is paused) until the exchange is forwarded; then they stream to the upstream connection and
 * reading resumes while the upstream is writable. Every piece is released exactly once: written upstream
 * (the encoder releases it) or released here.
 *
 * <p>While the body streams and the gateway wants to read (the upstream accepts more), a gap longer than the
 * listener's body idle timeout between two pieces fails the exchange (408, or a close once the response has
 * started). Time spent paused for the upstream does not count.
 */
final class RequestBody {
    private static final int PENDING = 0;
    private static final int STREAMING = 1;
    private static final int DISCARDING = 2;
    private static final int FAILED = 3;

    private final NettyExchange exchange;
    private final long limit;
    private int state = PENDING;
    private long received;
    private boolean lastSeen;
    private boolean complete;
    private boolean lastQueuedOrSent;
    private ArrayDeque<HttpContent> queue;
    private ForwardCall target;
    private final long idleNanos;
    private long lastActivity;
    private ScheduledFuture<?> idleTimer;

    RequestBody(NettyExchange exchange, long contentLength, long limit, long idleNanos) {
        this.exchange = exchange;
        this.limit = limit;
        this.complete = contentLength == 0;
        this.idleNanos = idleNanos;
    }

    /** True once the decoder delivered the last piece (the exchange's share of the connection is read). */
    boolean lastSeen() {
        return lastSeen;
    }

    /** True when no more body bytes are expected from the client. */
    boolean complete() {
        return complete;
    }

    boolean failed() {
        return state == FAILED;
    }

    void onContent(HttpContent content) {
        boolean last = content instanceof LastHttpContent;
        if (last) {
            lastSeen = true;
            complete = true;
            cancelIdleTimer();
        } else if (idleTimer != null) {
            lastActivity = System.nanoTime();
        }
        if (content.decoderResult().isFailure()) {
            content.release();
            if (state != FAILED && state != DISCARDING) {
                fail();
                exchange.bodyBroken(content.decoderResult().cause());
            }
            exchange.stream().updateAutoRead();
            return;
        }
        if (state == FAILED || state == DISCARDING) {
            content.release();
            if (last) {
                exchange.stream().updateAutoRead();
            }
            return;
        }
        received += content.content().readableBytes();
        if (limit > 0 && received > limit) {
            content.release();
            fail();
            exchange.bodyTooLarge(limit);
            return;
        }
        if (state == STREAMING) {
            if (lastQueuedOrSent) {
                content.release();
            } else {
                lastQueuedOrSent = last;
                target.writeRequestContent(content, last);
            }
            if (last) {
                exchange.stream().updateAutoRead();
            }
            return;
        }
        // PENDING
        if (content == LastHttpContent.EMPTY_LAST_CONTENT) {
            return;
        }
        if (queue == null) {
            queue = new ArrayDeque<>(4);
        }
        queue.add(content);
        if (last) {
            lastQueuedOrSent = true;
        }
    }

    /** The request head reached the upstream: send what is buffered and let the client's body flow. */
    void startStreaming(ForwardCall call) {
        if (state != PENDING) {
            return;
        }
        state = STREAMING;
        target = call;
        exchange.continueIfExpected();
        HttpContent c;
        while (queue != null && (c = queue.poll()) != null) {
            call.writeRequestContent(c, c instanceof LastHttpContent);
        }
        if (complete && !lastQueuedOrSent) {
            lastQueuedOrSent = true;
            call.writeRequestContent(LastHttpContent.EMPTY_LAST_CONTENT, true);
        }
        call.flushRequest();
        exchange.stream().updateAutoRead();
        if (!complete) {
            lastActivity = System.nanoTime();
            idleTimer = exchange.ctx().executor().schedule(this::checkIdle, idleNanos, TimeUnit.NANOSECONDS);
        }
    }

    /** Reading resumed after a pause for the upstream: the client's idle time starts now. */
    void readResumed() {
        if (idleTimer != null) {
            lastActivity = System.nanoTime();
        }
    }

    private void checkIdle() {
        idleTimer = null;
        if (complete || state != STREAMING) {
            return;
        }
        long now = System.nanoTime();
        if (!wantsRead()) {
            lastActivity = now;
        }
        long idle = now - lastActivity;
        if (idle < idleNanos) {
            idleTimer = exchange.ctx().executor().schedule(this::checkIdle, idleNanos - idle, TimeUnit.NANOSECONDS);
            return;
        }
        fail();
        exchange.bodyTimedOut(TimeUnit.NANOSECONDS.toMillis(idleNanos));
    }

    private void cancelIdleTimer() {
        ScheduledFuture<?> t = idleTimer;
        if (t != null) {
            idleTimer = null;
            t.cancel(false);
        }
    }

    /** Whether the client channel should read: only while streaming to an upstream that accepts more. */
    boolean wantsRead() {
        return state == STREAMING && target.upstreamWritable();
    }

    /** The body will not be consumed (a gateway answer): drop what is buffered and what still comes. */
    void discard() {
        if (state == PENDING || state == STREAMING) {
            state = DISCARDING;
        }
        release();
    }

    private void fail() {
        state = FAILED;
        release();
    }

    /** Releases what is still buffered (and stops watching for idleness). */
    void release() {
        cancelIdleTimer();
        HttpContent c;
        while (queue != null && (c = queue.poll()) != null) {
            c.release();
        }
    }
}
