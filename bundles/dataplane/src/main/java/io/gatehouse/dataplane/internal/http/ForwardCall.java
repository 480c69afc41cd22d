package io.gatehouse.dataplane.internal.http;

import io.gatehouse.api.plugin.BodyTooLargeException;
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
import io.gatehouse.api.plugin.Attempt;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * One upstream attempt of an exchange: gets a connection from the event loop's pool (or connects on the
 * same event loop), writes the head, streams the client body (live, or replayed from the exchange's kept
 * copy), completes the promise with the response head, then streams the response body to the client once
 * the exchange commits it (a used attempt), holds it (an attempt not used yet), or drops it (a shadow).
 * Runs entirely on the exchange's event loop. A pooled connection found closed before any byte of the
 * request was written is replaced once by a fresh connection; nothing else is retried here (retries are
 * new attempts, made by plugins).
 */
final class ForwardCall implements ChannelFutureListener, UpstreamConnector.Callback, Attempt {
    private static final int MAX_PENDING_BYTES = 65536;

    private final NettyExchange exchange;
    private final Forward target;
    private final UpstreamPool pool;
    private final boolean shadow;
    private HttpRequest head;
    private NettyRequest ownRequest;
    private final CompletableFuture<HttpResponse> promise = new CompletableFuture<>();
    private final long timeoutNanos;
    private State state = State.NEW;
    private boolean useOnHead;
    private boolean replayed;
    private NettyResponse response;
    private UpstreamException error;
    private long sentNanos;
    private long elapsedNanos = -1;

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
    /** A plugin's read of the whole response body, or null; {@code reading} while it waits for more. */
    private CompletableFuture<byte[]> bodyRead;
    private long bodyReadLimit;
    private boolean reading;

    ForwardCall(NettyExchange exchange, Forward target, UpstreamPool pool, boolean shadow) {
        this.exchange = exchange;
        this.target = target;
        this.pool = pool;
        this.shadow = shadow;
        this.timeoutNanos = Timeouts.nanos(target.readTimeout());
    }

    // ------------------------------------------------------------------ Attempt

    @Override
    public Forward target() {
        return target;
    }

    @Override
    public io.gatehouse.api.plugin.HttpRequest request() {
        if (ownRequest == null && (state == State.NEW || head != null && head != exchange.nettyRequest().netty())) {
            // before sending: a copy of its own to change; after: a view of the copy it sent
            HttpRequest h = state == State.NEW ? exchange.upstreamHead(target, true) : head;
            ownRequest = new NettyRequest(h, exchange.nettyRequest().protocol(),
                    exchange.nettyRequest().contentLength());
            if (state != State.NEW) {
                ownRequest.seal();
            }
        }
        return ownRequest != null ? ownRequest : exchange.request();
    }

    /** The response becomes the exchange's when its head arrives ({@link NettyExchange#forward}). */
    void useOnHead() {
        useOnHead = true;
    }

    @Override
    public CompletionStage<HttpResponse> send() {
        if (state != State.NEW) {
            throw new IllegalStateException("the attempt was already sent");
        }
        exchange.checkNotCommitted();
        state = State.SENT;
        sentNanos = System.nanoTime();
        if (exchange.isFinished()) {
            fail(new UpstreamException(Reason.CLIENT_ABORTED, "the client went away", exchange.outcome()));
            return promise;
        }
        if (exchange.body().failed()) {
            fail(new UpstreamException(Reason.CLIENT_ABORTED, "the request body could not be read", null));
            return promise;
        }
        if (!exchange.body().replayable()) {
            fail(new UpstreamException(Reason.BODY_NOT_REPLAYABLE, exchange.body().notReplayableReason(), null));
            return promise;
        }
        if (ownRequest != null) {
            ownRequest.seal();
            head = ownRequest.netty();
        } else {
            head = exchange.upstreamHead(target, false);
        }
        start();
        return promise;
    }

    @Override
    public void use() {
        if (shadow) {
            throw new IllegalStateException("a shadow attempt's response is never used");
        }
        if (state != State.RESPONDED || response == null) {
            throw new IllegalStateException("no response head has arrived");
        }
        exchange.use(this);
    }

    @Override
    public void cancel() {
        if (state == State.NEW) {
            state = State.CANCELLED;
            error = new UpstreamException(Reason.CANCELLED, "cancelled before it was sent", null);
            done = true;
            promise.completeExceptionally(error);
            return;
        }
        if (state == State.CANCELLED || state == State.FAILED) {
            return;
        }
        boolean wasUsed = exchange.usedCall() == this;
        if (state == State.SENT) {
            state = State.CANCELLED;
            error = new UpstreamException(Reason.CANCELLED, "cancelled", null);
            elapsedNanos = System.nanoTime() - sentNanos;
            fail(error);
            return;
        }
        // RESPONDED: drop the response, free the connection
        state = State.CANCELLED;
        error = new UpstreamException(Reason.CANCELLED, "cancelled after the response head", null);
        discardResponse();
        if (wasUsed) {
            exchange.usedCancelled(this);
        }
    }

    @Override
    public boolean shadow() {
        return shadow;
    }

    @Override
    public State state() {
        return state;
    }

    @Override
    public int status() {
        NettyResponse r = response;
        return r == null ? -1 : r.status();
    }

    @Override
    public UpstreamException error() {
        return error;
    }

    @Override
    public long sentNanos() {
        return sentNanos;
    }

    @Override
    public long elapsedNanos() {
        return elapsedNanos;
    }

    @Override
    public boolean bodyReplayed() {
        return replayed;
    }

    /** The request body this attempt sends comes from the exchange's kept copy. */
    void replayed() {
        replayed = true;
    }

    boolean requestComplete() {
        return requestComplete;
    }

    NettyResponse nettyResponse() {
        return response;
    }

    /** Set when the upstream response broke before commit; the exchange answers with this instead. */
    UpstreamException brokenResponse() {
        return broken;
    }

    void start() {
        UpstreamConnection c = pool.acquire(exchange.stream().conn.listener.context().upstreamTls()
                .poolKey(target.host(), target.tls()), target.port());
        if (c != null) {
            attach(c, true);
        } else {
            connect();
        }
    }

    // ------------------------------------------------------------------ connect

    private void connect() {
        DataPlaneContext context = exchange.stream().conn.listener.context();
        UpstreamConnector.connect(pool, context.blocking(), context.upstreamTls(), target, this);
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
            if (!exchange.body().startStreaming(this)) {
                fail(new UpstreamException(Reason.BODY_NOT_REPLAYABLE, exchange.body().notReplayableReason(), null));
            }
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
            exchange.body().remove(this);
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
        NettyResponse response = NettyResponse.fromUpstream(r, this);
        this.response = response;
        state = State.RESPONDED;
        elapsedNanos = System.nanoTime() - sentNanos;
        if (useOnHead) {
            exchange.useOnArrival(this);
        }
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
        if (shadow) {
            content.release();
            if (last) {
                done = true;
            }
        } else if (streaming) {
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
            if (reading) {
                if (pendingBytes > bodyReadLimit) {
                    reading = false;
                    bodyRead.completeExceptionally(new BodyTooLargeException(bodyReadLimit));
                } else if (last) {
                    reading = false;
                    completeRead();
                    return;
                }
            }
            if (!last && !reading && pendingBytes > MAX_PENDING_BYTES) {
                setUpstreamRead(false);
            }
        }
    }

    /**
     * Reads the whole response body within {@code max} bytes before the commit ({@link NettyResponse#readBody}):
     * reading goes on past the usual window; once the last piece is in, the response holds the bytes.
     */
    CompletionStage<byte[]> readBody(long max) {
        if (bodyRead != null) {
            return bodyRead;
        }
        if (shadow) {
            throw new IllegalStateException("a shadow attempt's response body is dropped");
        }
        if (streaming) {
            throw new IllegalStateException("the response is already committed");
        }
        bodyRead = new CompletableFuture<>();
        bodyReadLimit = Math.min(max, RequestBody.MAX_WHOLE);
        if (broken != null) {
            bodyRead.completeExceptionally(broken);
        } else if (state == State.CANCELLED || done && !responseComplete) {
            bodyRead.completeExceptionally(error != null ? error
                    : new UpstreamException(Reason.CANCELLED, "the attempt is over", null));
        } else if (pendingBytes > bodyReadLimit) {
            bodyRead.completeExceptionally(new BodyTooLargeException(bodyReadLimit));
        } else if (responseComplete) {
            completeRead();
        } else {
            reading = true;
            lastActivity = System.nanoTime();
            setUpstreamRead(true);
        }
        return bodyRead;
    }

    /** The whole body is pending: copy it into the response, release the pieces, complete the read. */
    private void completeRead() {
        byte[] bytes = new byte[(int) pendingBytes];
        int at = 0;
        HttpContent c;
        while (pending != null && (c = pending.poll()) != null) {
            int n = c.content().readableBytes();
            c.content().getBytes(c.content().readerIndex(), bytes, at, n);
            at += n;
            c.release();
        }
        pendingBytes = 0;
        response.hold(bytes);
        bodyRead.complete(bytes.clone());
    }

    private void failRead(UpstreamException e) {
        if (reading) {
            reading = false;
            bodyRead.completeExceptionally(e);
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
        if (reading) {
            failRead(new UpstreamException(Reason.CANCELLED, "the response was replaced", null));
        }
        exchange.body().remove(this);
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
        boolean waiting = requestComplete && (!headReceived || (streaming || shadow || reading) && !readPaused);
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
        failRead(e);
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
        if (state != State.CANCELLED) {
            state = State.FAILED;
            error = e;
            elapsedNanos = System.nanoTime() - sentNanos;
        }
        exchange.body().remove(this);
        UpstreamConnection c = detach();
        if (c != null) {
            c.close();
        }
        releasePending();
        promise.completeExceptionally(e);
    }

    /** The client side aborted (gone, or its body broke): close the upstream side, never pool it. */
    void abort(UpstreamException cause) {
        if (state == State.NEW) {
            return; // never sent: nothing to abort (it fails when sent)
        }
        exchange.body().remove(this);
        failRead(cause);
        UpstreamConnection c = detach();
        if (c != null) {
            c.close();
        }
        releasePending();
        if (!done && !headReceived) {
            done = true;
            state = State.FAILED;
            error = cause;
            elapsedNanos = System.nanoTime() - sentNanos;
            promise.completeExceptionally(cause);
        }
        done = true;
    }

    /** The exchange is over (response sent or aborted). */
    void exchangeFinished(Throwable cause) {
        if (state == State.NEW) {
            cancel();
            return;
        }
        if (shadow && cause == null && requestComplete && !done) {
            return; // a mirror whose request went out finishes by itself (its read timeout bounds it)
        }
        exchange.body().remove(this);
        if (state == State.SENT && !done) {
            state = State.CANCELLED;
            error = new UpstreamException(Reason.CANCELLED, "the exchange ended without using it", cause);
            elapsedNanos = System.nanoTime() - sentNanos;
        }
        if (cause != null || !responseComplete) {
            UpstreamConnection c = detach();
            if (c != null) {
                c.close();
            }
        }
        if (reading) {
            // only then: an exception is costly, and this runs for every exchange
            failRead(new UpstreamException(Reason.CLIENT_ABORTED, "the exchange ended", cause));
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
