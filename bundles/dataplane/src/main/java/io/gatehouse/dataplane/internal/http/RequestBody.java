package io.gatehouse.dataplane.internal.http;

import io.gatehouse.api.plugin.BodyTooLargeException;
import io.gatehouse.api.plugin.BodyTransform;
import io.gatehouse.api.plugin.UpstreamException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * The client's request body. Pieces the decoder already produced wait here (bounded by one read, since
 * reading is paused) until an attempt streams them; then they stream to every attempt that is sending the
 * body (its <em>targets</em>), and reading resumes while every target is writable. Every piece is released
 * exactly once per reference: written upstream (the encoder releases it), or released here.
 *
 * <p><b>Replay.</b> When a plugin asked to keep the body ({@link #keep}), a duplicate of every piece is kept
 * up to the bound; a later attempt gets the kept pieces first and then follows the live stream. A body that
 * went over the bound is no longer kept (the attempts already sending it go on). Without a kept copy, only
 * the attempts that start before any body byte went upstream can send it.
 *
 * <p><b>Read whole.</b> A plugin may read the body before any attempt ({@link #read}): the pieces wait in the
 * queue, reading goes on up to the plugin's bound, and the stage completes with a copy once the last piece
 * arrived; the plugin may then replace the body ({@link #replace}). <b>Transformations</b> ({@link #transform})
 * apply to every piece as it arrives (and to the queued ones when added), before it is kept, queued or sent.
 *
 * <p>While the body streams and the gateway wants to read (the upstreams accept more), a gap longer than the
 * listener's body idle timeout between two pieces fails the exchange (408, or a close once the response has
 * started). Time spent paused for the upstreams does not count.
 */
final class RequestBody {
    private static final int PENDING = 0;
    private static final int STREAMING = 1;
    private static final int DISCARDING = 2;
    private static final int FAILED = 3;
    /** The most a body read whole can hold: the largest array. */
    static final long MAX_WHOLE = Integer.MAX_VALUE - 8;

    private final NettyExchange exchange;
    private final long contentLength;
    private final long limit;
    private int state = PENDING;
    private long received;
    private boolean lastSeen;
    private boolean complete;
    /** Pieces received while no target was sending (originals). */
    private ArrayDeque<HttpContent> queue;
    /** The attempts sending the body now, each up to date with every piece delivered (made at the first). */
    private ArrayList<ForwardCall> targets;
    /** Body bytes that went to an attempt. */
    private long sentBytes;
    /** The replay bound asked for; 0 when the body is not kept. */
    private long keepLimit;
    /** Duplicates of every piece received, while kept. */
    private ArrayDeque<HttpContent> kept;
    private long keptBytes;
    /** Why the body cannot be replayed although it was to be kept (over the bound), or null. */
    private String notKept;
    private final long idleNanos;
    private long lastActivity;
    private ScheduledFuture<?> idleTimer;
    /** Body bytes waiting in the queue. */
    private long queuedBytes;
    /** A plugin's read of the whole body, or null. */
    private CompletableFuture<byte[]> read;
    private long readLimit;
    /** True while the read waits for more of the body (the gateway reads although nothing streams). */
    private boolean reading;
    private BodyTransforms transforms;

    RequestBody(NettyExchange exchange, long contentLength, long limit, long idleNanos) {
        this.exchange = exchange;
        this.contentLength = contentLength;
        this.limit = limit;
        this.complete = contentLength == 0;
        this.idleNanos = idleNanos;
    }

    /** True once the decoder delivered the last piece (the exchange's share of the connection is read). */
    boolean lastSeen() {
        return lastSeen;
    }

    /** True when no more body bytes are expected from the client. */
    /** Body bytes received from the client so far. */
    long received() {
        return received;
    }

    boolean complete() {
        return complete;
    }

    boolean failed() {
        return state == FAILED;
    }

    /**
     * Keeps the body for replays, up to {@code max} bytes (never lowers an earlier bound).
     *
     * @return false when body bytes already went upstream without being kept
     */
    boolean keep(long max) {
        if (max <= keepLimit) {
            return true;
        }
        if (keepLimit == 0 && sentBytes > 0) {
            return false;
        }
        if (state == FAILED || state == DISCARDING) {
            return false;
        }
        boolean first = keepLimit == 0;
        keepLimit = max;
        if (notKept != null) {
            return true;
        }
        if (contentLength > max) {
            notKept = "the request body (" + contentLength + " bytes) is larger than the replay bound (" + max
                    + " bytes)";
            return true;
        }
        if (first) {
            kept = new ArrayDeque<>(4);
            if (queue != null) {
                for (HttpContent c : queue) {
                    keepOne(c);
                }
            }
        }
        return true;
    }

    private void keepOne(HttpContent content) {
        int n = content.content().readableBytes();
        if (keptBytes + n > keepLimit) {
            notKept = "the request body is larger than the replay bound (" + keepLimit + " bytes)";
            releaseKept();
            return;
        }
        keptBytes += n;
        kept.add(content.retainedDuplicate());
    }

    /** True when a new attempt could send the whole body now. */
    boolean replayable() {
        if (state == FAILED || state == DISCARDING) {
            return false;
        }
        return sentBytes == 0 || kept != null && notKept == null;
    }

    /** Why a new attempt cannot send the body ({@link #replayable()} is false). */
    String notReplayableReason() {
        if (notKept != null) {
            return notKept;
        }
        return keepLimit == 0 ? "the request body went to an earlier attempt and was not kept"
                : "the request body cannot be read any more";
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
        if (transforms != null) {
            content = transformed(content);
            if (content == null) {
                return;
            }
        }
        if (kept != null) {
            keepOne(content);
        }
        if (targets != null && !targets.isEmpty()) {
            deliver(content, last);
            if (last) {
                exchange.stream().updateAutoRead();
            }
            return;
        }
        if (content == LastHttpContent.EMPTY_LAST_CONTENT) {
            // complete is set: each target gets its own end when it starts
            if (reading) {
                readComplete();
            }
            return;
        }
        if (queue == null) {
            queue = new ArrayDeque<>(4);
        }
        queue.add(content);
        queuedBytes += content.content().readableBytes();
        if (reading) {
            if (queuedBytes > readLimit) {
                reading = false;
                cancelIdleTimer();
                read.completeExceptionally(new BodyTooLargeException(readLimit));
                exchange.stream().updateAutoRead();
            } else if (last) {
                readComplete();
            }
        }
    }

    /** The last piece arrived while a plugin reads the whole body: it gets its copy. */
    private void readComplete() {
        reading = false;
        cancelIdleTimer();
        read.complete(queuedCopy());
    }

    private HttpContent transformed(HttpContent content) {
        try {
            return transforms.apply(content);
        } catch (Exception | Error e) {
            // apply released the piece
            fail();
            exchange.transformFailed(e);
            exchange.stream().updateAutoRead();
            return null;
        }
    }

    /** A copy of the queued body. */
    private byte[] queuedCopy() {
        byte[] bytes = new byte[(int) queuedBytes];
        int at = 0;
        if (queue != null) {
            for (HttpContent c : queue) {
                ByteBuf b = c.content();
                int n = b.readableBytes();
                b.getBytes(b.readerIndex(), bytes, at, n);
                at += n;
            }
        }
        return bytes;
    }

    /**
     * Reads the whole body within {@code max} bytes (no attempt was made yet). Reading goes on although nothing
     * streams; the stage completes with a copy when the last piece arrives, or fails once the bound is passed.
     */
    CompletionStage<byte[]> read(long max) {
        if (read != null) {
            return read;
        }
        read = new CompletableFuture<>();
        readLimit = Math.min(max, MAX_WHOLE);
        if (state == FAILED || state == DISCARDING) {
            read.completeExceptionally(new UpstreamException(UpstreamException.Reason.CLIENT_ABORTED,
                    "the request body cannot be read any more", null));
        } else if (queuedBytes > readLimit) {
            read.completeExceptionally(new BodyTooLargeException(readLimit));
        } else if (complete) {
            read.complete(queuedCopy());
        } else {
            reading = true;
            exchange.continueIfExpected();
            exchange.stream().updateAutoRead();
            watchIdle();
        }
        return read;
    }

    /** True when the client's body was read whole (or there is none), so that it may be replaced. */
    boolean replaceable() {
        return state == PENDING && complete && !reading;
    }

    /** Replaces the body with {@code bytes} (nothing of it went upstream, and the client's is all here). */
    void replace(byte[] bytes) {
        transforms = null; // they applied to the client's body, not to this one
        releaseQueue();
        boolean keep = kept != null || keepLimit > 0 && notKept != null;
        releaseKept();
        notKept = null;
        if (bytes.length > 0) {
            queue = new ArrayDeque<>(1);
            queue.add(new DefaultLastHttpContent(Unpooled.wrappedBuffer(bytes)));
            queuedBytes = bytes.length;
        }
        if (keep) {
            if (bytes.length > keepLimit) {
                notKept = "the request body (" + bytes.length + " bytes) is larger than the replay bound ("
                        + keepLimit + " bytes)";
            } else {
                kept = new ArrayDeque<>(1);
                if (queue != null) {
                    keepOne(queue.peek());
                }
            }
        }
    }

    /** Adds a transformation (no attempt was made yet): the queued pieces go through it now, the rest later. */
    void transform(BodyTransform t) {
        if (transforms == null) {
            transforms = new BodyTransforms();
        }
        transforms.add(t);
        if (queue == null || queue.isEmpty()) {
            return;
        }
        // only t applies to what is queued: the earlier transformations already did
        BodyTransforms only = new BodyTransforms();
        only.add(t);
        ArrayDeque<HttpContent> before = queue;
        queue = new ArrayDeque<>(before.size());
        queuedBytes = 0;
        boolean keep = kept != null;
        releaseKept();
        if (keep) {
            kept = new ArrayDeque<>(4);
        }
        HttpContent c;
        while ((c = before.poll()) != null) {
            HttpContent n;
            try {
                n = only.apply(c);
            } catch (Exception | Error e) {
                while ((c = before.poll()) != null) {
                    c.release();
                }
                fail();
                exchange.transformFailed(e);
                return;
            }
            queue.add(n);
            queuedBytes += n.content().readableBytes();
            if (kept != null) {
                keepOne(n);
            }
        }
    }

    /** True when transformations change the body's length (the upstream request is then chunked). */
    boolean transformed() {
        return transforms != null;
    }

    /** Hands a piece to every target (the last one gets the piece itself, the others a duplicate). */
    private void deliver(HttpContent content, boolean last) {
        sentBytes += content.content().readableBytes();
        int n = targets.size();
        for (int i = 0; i < n; i++) {
            ForwardCall t = targets.get(i);
            t.writeRequestContent(i == n - 1 ? content : content.retainedDuplicate(), last);
        }
    }

    /**
     * An attempt's request head reached the upstream: send it the body so far (queued, or replayed from the
     * kept copy) and let it follow the live stream.
     *
     * @return false when the body cannot be sent to it (not replayable); the attempt then fails
     */
    boolean startStreaming(ForwardCall call) {
        if (targets != null && targets.contains(call)) {
            return true;
        }
        if (state == FAILED || state == DISCARDING) {
            return false;
        }
        boolean firstStream = state == PENDING;
        if (reading) {
            reading = false;
            read.completeExceptionally(new IllegalStateException(
                    "an attempt was sent before the request body was read whole"));
        }
        if (sentBytes == 0) {
            // nothing went upstream yet: the queued originals go to this attempt
            HttpContent c;
            while (queue != null && (c = queue.poll()) != null) {
                sentBytes += c.content().readableBytes();
                call.writeRequestContent(c, c instanceof LastHttpContent);
            }
            queuedBytes = 0;
        } else if (kept != null && notKept == null) {
            call.replayed();
            for (HttpContent c : kept) {
                call.writeRequestContent(c.retainedDuplicate(), c instanceof LastHttpContent);
            }
            // what waited in the queue is in the kept copy too
            releaseQueue();
        } else {
            return false;
        }
        state = STREAMING;
        if (complete) {
            if (!call.requestComplete()) {
                call.writeRequestContent(LastHttpContent.EMPTY_LAST_CONTENT, true);
            }
        } else {
            if (targets == null) {
                targets = new ArrayList<>(2);
            }
            targets.add(call);
        }
        if (firstStream) {
            exchange.continueIfExpected();
        }
        call.flushRequest();
        exchange.stream().updateAutoRead();
        if (!complete) {
            watchIdle();
        }
        return true;
    }

    /** Starts watching the client's body for idleness (the gateway reads it now), unless already watching. */
    private void watchIdle() {
        if (idleTimer == null) {
            lastActivity = System.nanoTime();
            idleTimer = exchange.ctx().executor().schedule(this::checkIdle, idleNanos, TimeUnit.NANOSECONDS);
        }
    }

    /** An attempt stopped sending (done, failed, cancelled): it no longer holds the client's reading back. */
    void remove(ForwardCall call) {
        if (targets != null && targets.remove(call) && !complete) {
            exchange.stream().updateAutoRead();
        }
    }

    /** Flushes what was written to every target (the client's read is complete). */
    void flushTargets() {
        if (targets == null) {
            return;
        }
        for (int i = 0; i < targets.size(); i++) {
            targets.get(i).flushRequest();
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
        if (complete || state != STREAMING && !reading) {
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

    /** Whether the client channel should read: only while streaming to attempts that all accept more. */
    boolean wantsRead() {
        if (reading) {
            return true;
        }
        if (state != STREAMING || targets == null || targets.isEmpty()) {
            return false;
        }
        for (int i = 0; i < targets.size(); i++) {
            if (!targets.get(i).upstreamWritable()) {
                return false;
            }
        }
        return true;
    }

    /** The body will not be consumed (a gateway answer): drop what is buffered and what still comes. */
    void discard() {
        if (state == PENDING || state == STREAMING) {
            state = DISCARDING;
        }
        if (targets != null) {
            targets.clear();
        }
        release();
    }

    private void fail() {
        state = FAILED;
        release();
    }

    /** A pending read fails when the body breaks, the exchange ends, or the gateway answers. */
    private void failRead() {
        if (reading) {
            reading = false;
            read.completeExceptionally(new UpstreamException(UpstreamException.Reason.CLIENT_ABORTED,
                    "the request body could not be read whole", null));
        }
    }

    /** Releases what is still buffered or kept (and stops watching for idleness). */
    void release() {
        failRead();
        cancelIdleTimer();
        releaseQueue();
        releaseKept();
    }

    private void releaseQueue() {
        HttpContent c;
        while (queue != null && (c = queue.poll()) != null) {
            c.release();
        }
        queuedBytes = 0;
    }

    private void releaseKept() {
        HttpContent c;
        while (kept != null && (c = kept.poll()) != null) {
            c.release();
        }
        kept = null;
        keptBytes = 0;
    }
}
