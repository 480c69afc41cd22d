package io.gatehouse.dataplane.internal.http;

import io.gatehouse.api.plugin.Forward;
import io.gatehouse.api.plugin.HttpResponse;
import io.gatehouse.api.plugin.UpstreamException;
import io.gatehouse.api.plugin.UpstreamException.Reason;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;

/**
 * One forward attempt of an exchange: gets a connection from the event loop's pool (or connects on the
 * same event loop), writes the head, streams the client body, completes the promise with the response
 * head, then streams the response body to the client once the exchange commits. Runs entirely on the
 * exchange's event loop. A pooled connection found closed before any byte of the request was written is
 * replaced once by a fresh connection; nothing else is retried.
 */
final class ForwardCall implements ChannelFutureListener, UpstreamConnector.Callback {
    private static final int MAX_PENDING_BYTES = 65536;

    private final NettyExchange exchange;
    private final Forward target;
    private final UpstreamPool pool;
    private final HttpRequest head;
    private final CompletableFuture<HttpResponse> promise = new CompletableFuture<>();
    private final long timeoutNanos;

    private UpstreamConnection conn;
    private boolean pooledConn;
    private boolean retried;
    private boolean headWritten;
    private boolean requestComplete;
    private boolean headReceived;
    private boolean skipInformationalEnd;
    private boolean upstreamKeepAlive;
    private boolean framed;
    private boolean streaming;
    private boolean responseComplete;
    private boolean done;
    private boolean readPaused;
    private ArrayDeque<HttpContent> pending;
    private UpstreamException broken;
    private long lastActivity;
    private long pendingBytes;
    private boolean inRead;

    ForwardCall(NettyExchange exchange, Forward target, UpstreamPool pool, HttpRequest head) {
        this.exchange = exchange;
        this.target = target;
        this.pool = pool;
        this.head = head;
        this.timeoutNanos = Timeouts.nanos(target.readTimeout());
    }

    CompletableFuture<HttpResponse> promise() {
        return promise;
    }

    Forward target() {
        return target;
    }

    /** Set when the upstream response broke before commit; the exchange answers with this instead. */
    UpstreamException brokenResponse() {
        return broken;
    }

    void start() {
        UpstreamConnection c = pool.acquire(target.host(), target.port());
        if (c != null) {
            attach(c, true);
        } else {
            connect();
        }
    }

    // ------------------------------------------------------------------ connect

    private void connect() {
        UpstreamConnector.connect(pool, exchange.stream().conn.listener.context().blocking(), target, this);
    }

    @Override
    public boolean abandoned() {
        return done;
    }

    @Override
    public void connected(UpstreamConnection c) {
        attach(c, false);
    }

    @Override
    public void connectFailed(UpstreamException e) {
        fail(e);
    }

    private void attach(UpstreamConnection c, boolean pooled) {
        conn = c;
        pooledConn = pooled;
        headWritten = false;
        c.call = this;
        c.channel.config().setAutoRead(true);
        lastActivity = System.nanoTime();
        c.armReadTimer(timeoutNanos);
        c.channel.write(head).addListener(this);
        c.channel.flush();
    }

    /** The head write finished. */
    @Override
    public void operationComplete(ChannelFuture f) {
        UpstreamConnection c = conn;
        if (done || c == null || f.channel() != c.channel) {
            return;
        }
        if (f.isSuccess()) {
            headWritten = true;
            exchange.body().startStreaming(this);
            return;
        }
        detach().close();
        if (pooledConn && !retried) {
            retried = true;
            connect();
        } else {
            fail(new UpstreamException(Reason.RESET, "cannot send the request: "
                    + UpstreamErrors.describe(f.cause()), f.cause()));
        }
    }

    // ------------------------------------------------------------------ request body

    void writeRequestContent(HttpContent content, boolean last) {
        UpstreamConnection c = conn;
        if (c == null || done) {
            content.release();
            return;
        }
        c.channel.write(content, c.channel.voidPromise());
        if (last) {
            requestComplete = true;
            lastActivity = System.nanoTime();
            c.channel.flush();
        } else if (!c.channel.isWritable()) {
            c.channel.flush();
        }
    }

    void flushRequest() {
        UpstreamConnection c = conn;
        if (c != null) {
            c.channel.flush();
        }
    }

    boolean upstreamWritable() {
        UpstreamConnection c = conn;
        return c != null && c.channel.isWritable() && !done;
    }

    void upstreamWritabilityChanged() {
        if (!requestComplete) {
            exchange.stream().updateAutoRead();
        }
    }

    // ------------------------------------------------------------------ response

    void onResponseHead(io.netty.handler.codec.http.HttpResponse r) {
        lastActivity = System.nanoTime();
        if (r.decoderResult().isFailure()) {
            protocolError("invalid response: " + detail(r.decoderResult().cause()));
            return;
        }
        HttpResponseStatus status = r.status();
        if (status.codeClass() == HttpStatusClass.INFORMATIONAL) {
            if (status.code() == 101) {
                protocolError("unexpected 101 Switching Protocols");
                return;
            }
            skipInformationalEnd = true;
            return;
        }
        if (headReceived) {
            protocolError("a second response to one request");
            return;
        }
        headReceived = true;
        upstreamKeepAlive = HttpUtil.isKeepAlive(r);
        framed = r.headers().contains(HttpHeaderNames.CONTENT_LENGTH)
                || HttpUtil.isTransferEncodingChunked(r)
                || status.code() == 204 || status.code() == 304
                || HttpMethod.HEAD.equals(head.method());
        HopByHop.strip(r.headers());
        String via = exchange.stream().conn.via(r.protocolVersion().majorVersion(),
                r.protocolVersion().minorVersion());
        if (via != null) {
            UpstreamRequest.appendVia(r.headers(), via);
        }
        NettyResponse response = NettyResponse.fromUpstream(r);
        exchange.upstreamResponse(response);
        promise.complete(response);
    }

    void onResponseContent(HttpContent content) {
        if (done) {
            content.release();
            return;
        }
        lastActivity = System.nanoTime();
        if (skipInformationalEnd) {
            content.release();
            if (content instanceof LastHttpContent) {
                skipInformationalEnd = false;
            }
            return;
        }
        if (content.decoderResult().isFailure()) {
            Throwable cause = content.decoderResult().cause();
            content.release();
            protocolError("invalid response body: " + detail(cause));
            return;
        }
        if (!headReceived) {
            content.release();
            protocolError("response body without a head");
            return;
        }
        boolean last = content instanceof LastHttpContent;
        if (last) {
            // complete from the upstream's side: the connection is free before the client has it all
            responseComplete = true;
            UpstreamConnection c = detach();
            if (c != null) {
                if (upstreamKeepAlive && framed && requestComplete && broken == null) {
                    pool.releaseLater(c);
                } else {
                    c.close();
                }
            }
        }
        if (streaming) {
            exchange.writeResponseContent(content);
            if (!last && !exchange.clientWritable()) {
                setUpstreamRead(false);
            }
        } else {
            // the pipeline has not committed yet: hold the body, and stop reading once a window is held
            if (pending == null) {
                pending = new ArrayDeque<>(4);
            }
            pending.add(content);
            pendingBytes += content.content().readableBytes();
            if (!last && pendingBytes > MAX_PENDING_BYTES) {
                setUpstreamRead(false);
            }
        }
    }

    /** Called by the connection before it hands over what one read produced. */
    void upstreamReading() {
        inRead = true;
    }

    void upstreamReadComplete() {
        inRead = false;
        if (streaming) {
            exchange.flush();
        }
    }

    /** The exchange committed an upstream response: send what arrived so far and let the rest flow. */
    void startResponseStream() {
        streaming = true;
        HttpContent c;
        while (pending != null && (c = pending.poll()) != null) {
            exchange.writeResponseContent(c);
        }
        pendingBytes = 0;
        if (!inRead) {
            // inside an upstream read the flush comes with the rest of the response (one write)
            exchange.flush();
        }
        if (!responseComplete) {
            lastActivity = System.nanoTime();
            setUpstreamRead(exchange.clientWritable());
        }
    }

    void clientWritabilityChanged(boolean writable) {
        if (streaming && !responseComplete && !done) {
            if (writable) {
                lastActivity = System.nanoTime();
            }
            setUpstreamRead(writable);
        }
    }

    private void setUpstreamRead(boolean on) {
        readPaused = !on;
        UpstreamConnection c = conn;
        if (c != null && c.channel.config().isAutoRead() != on) {
            c.channel.config().setAutoRead(on);
        }
    }

    /** A plugin replaced the upstream response with its own: drop the body, free the connection. */
    void discardResponse() {
        releasePending();
        if (!responseComplete) {
            UpstreamConnection c = detach();
            if (c != null) {
                c.close();
            }
        }
        done = true;
    }

    // ------------------------------------------------------------------ failures

    void upstreamClosed(UpstreamConnection c) {
        if (c != conn || done) {
            return;
        }
        conn = null;
        if (!headWritten && pooledConn && !retried) {
            // the pooled connection was closed by the upstream before the request went out
            retried = true;
            connect();
            return;
        }
        Throwable cause = c.lastError;
        if (!headReceived) {
            fail(new UpstreamException(Reason.RESET, "closed the connection before responding", cause));
        } else if (!responseComplete) {
            breakResponse(new UpstreamException(Reason.RESET, "closed the connection in the middle of the response",
                    cause));
        }
    }

    /** A decoder failure's own text (Netty's words about the bytes), without the exception's class name. */
    private static String detail(Throwable cause) {
        String message = cause == null ? null : cause.getMessage();
        return message == null || message.isBlank() ? "malformed HTTP" : message;
    }

    private void protocolError(String message) {
        UpstreamException e = new UpstreamException(Reason.PROTOCOL_ERROR, message, null);
        UpstreamConnection c = detach();
        if (c != null) {
            c.close();
        }
        if (!headReceived) {
            fail(e);
        } else {
            breakResponse(e);
        }
    }

    /**
     * Read timeout check, driven by the connection's timer. Returns the nanoseconds until the next check,
     * or 0 when no more checks are needed (done, or timed out now).
     */
    long checkReadTimeout(long now) {
        if (done || responseComplete) {
            return 0;
        }
        boolean waiting = requestComplete && (!headReceived || streaming && !readPaused);
        if (!waiting) {
            // still sending, or the pipeline/the client holds the response: not the upstream's fault
            lastActivity = now;
            return timeoutNanos;
        }
        long idle = now - lastActivity;
        if (idle < timeoutNanos) {
            return timeoutNanos - idle;
        }
        UpstreamConnection c = detach();
        if (c != null) {
            c.close();
        }
        String message = "no " + (headReceived ? "response data" : "response") + " within the read timeout ("
                + Timeouts.millis(target.readTimeout()) + " ms)";
        UpstreamException e = new UpstreamException(Reason.READ_TIMEOUT, message, null);
        if (!headReceived) {
            fail(e);
        } else {
            breakResponse(e);
        }
        return 0;
    }

    /** The response head was received but its body cannot complete. */
    private void breakResponse(UpstreamException e) {
        broken = e;
        releasePending();
        if (streaming) {
            done = true;
            exchange.abort(e);
        }
    }

    /** The attempt failed before a response head: complete the promise exceptionally. */
    private void fail(UpstreamException e) {
        if (done) {
            return;
        }
        done = true;
        UpstreamConnection c = detach();
        if (c != null) {
            c.close();
        }
        releasePending();
        promise.completeExceptionally(e);
    }

    /** The client side aborted (gone, or its body broke): close the upstream side, never pool it. */
    void abort(UpstreamException cause) {
        UpstreamConnection c = detach();
        if (c != null) {
            c.close();
        }
        releasePending();
        if (!done && !headReceived) {
            done = true;
            promise.completeExceptionally(cause);
        }
        done = true;
    }

    /** The exchange is over (response sent or aborted). */
    void exchangeFinished(Throwable cause) {
        if (cause != null || !responseComplete) {
            UpstreamConnection c = detach();
            if (c != null) {
                c.close();
            }
        }
        releasePending();
        if (!done && !headReceived) {
            promise.completeExceptionally(new UpstreamException(Reason.CLIENT_ABORTED, "the exchange ended",
                    cause));
        }
        done = true;
    }

    private UpstreamConnection detach() {
        UpstreamConnection c = conn;
        conn = null;
        if (c != null && c.call == this) {
            c.call = null;
        }
        return c;
    }

    private void releasePending() {
        HttpContent c;
        while (pending != null && (c = pending.poll()) != null) {
            c.release();
        }
    }

}
