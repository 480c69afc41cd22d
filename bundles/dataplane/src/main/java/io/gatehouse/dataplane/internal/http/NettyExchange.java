package io.gatehouse.dataplane.internal.http;

import io.gatehouse.api.plugin.Forward;
import io.gatehouse.api.plugin.HttpRequest;
import io.gatehouse.api.plugin.HttpResponse;
import io.gatehouse.api.plugin.UpstreamException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.gatehouse.api.plugin.Attempt;
import io.gatehouse.api.plugin.BodyTransform;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request and its response on a client connection's event loop. Commits the response when the
 * pipeline ends: a gateway-made response in one write, an upstream response as a head followed by its
 * body streamed from the upstream connection with backpressure both ways.
 */
final class NettyExchange extends ExchangeSupport implements ChannelFutureListener {
    private static final Logger LOG = LoggerFactory.getLogger(NettyExchange.class);

    private final ServerStreamHandler stream;
    private final ChannelHandlerContext ctx;
    private final io.netty.handler.codec.http.HttpRequest head;
    private final NettyRequest request;
    private final HttpVersion clientVersion;
    private final boolean keepAlive;
    private final boolean headRequest;
    private final boolean expectContinue;
    private final RequestBody body;
    private NettyResponse response;
    private NettyResponse forced;
    /** The first attempt, and the others in order (null until a second one: one attempt allocates no list). */
    private ForwardCall first;
    private ArrayList<ForwardCall> calls;
    /** The attempt whose response is the exchange's, or null. */
    private ForwardCall used;
    /** The client's Host, once the upstream template is prepared. */
    private String originalHost;
    private boolean templatePrepared;
    private boolean templateSent;
    private boolean continued;
    private boolean ended;
    private boolean committed;
    private boolean closeAfter;
    /** The committed upstream response's body transformations, or null. */
    private BodyTransforms responseTransforms;
    /** Response body bytes written to the client. */
    private long bytesSent;

    NettyExchange(ServerStreamHandler stream, io.netty.handler.codec.http.HttpRequest head, long contentLength,
                  boolean expectContinue) {
        super(stream.ctx().executor(), stream.conn.listener.context().blocking());
        this.stream = stream;
        this.ctx = stream.ctx();
        this.head = head;
        this.clientVersion = head.protocolVersion();
        this.keepAlive = stream.h2 || HttpUtil.isKeepAlive(head);
        this.headRequest = HttpMethod.HEAD.equals(head.method());
        this.expectContinue = expectContinue;
        this.request = new NettyRequest(head, stream.h2 ? "HTTP/2.0" : clientVersion.text(), contentLength, this);
        this.body = new RequestBody(this, contentLength, stream.conn.settings.maxRequestBody(),
                stream.conn.settings.bodyIdleTimeout().toNanos());
    }

    RequestBody body() {
        return body;
    }

    ServerStreamHandler stream() {
        return stream;
    }

    ChannelHandlerContext ctx() {
        return ctx;
    }

    boolean http2() {
        return stream.h2;
    }

    // ------------------------------------------------------------------ Exchange

    @Override
    public HttpRequest request() {
        return request;
    }

    NettyRequest nettyRequest() {
        return request;
    }

    @Override
    public HttpResponse response() {
        return response;
    }

    @Override
    public HttpResponse respond(int status) {
        if (committed) {
            throw new IllegalStateException("the response is already committed");
        }
        NettyResponse r = NettyResponse.gateway(status);
        replaceResponse(r);
        return r;
    }

    @Override
    public HttpResponse respondError(int status, String code, String message) {
        HttpResponse r = respond(status);
        r.headers().set(HttpHeaderNames.CONTENT_TYPE.toString(), HttpHeaderValues.APPLICATION_JSON.toString());
        r.body(ErrorBody.json(status, code, message));
        return r;
    }

    private void replaceResponse(NettyResponse r) {
        NettyResponse old = response;
        response = r;
        if (old != null && old.fromUpstream() && used != null) {
            ForwardCall replaced = used;
            used = null;
            replaced.discardResponse();
        }
    }

    @Override
    public CompletionStage<HttpResponse> forward(Forward target) {
        ForwardCall call = newCall(target, false);
        call.useOnHead();
        return call.send();
    }

    @Override
    public Attempt attempt(Forward target) {
        return newCall(target, false);
    }

    @Override
    public Attempt mirror(Forward target) {
        return newCall(target, true);
    }

    private ForwardCall newCall(Forward target, boolean shadow) {
        Objects.requireNonNull(target, "target");
        checkNotCommitted();
        ForwardCall call = new ForwardCall(this, target, stream.conn.listener.context().pool(ctx.executor()), shadow);
        if (first == null) {
            first = call;
        } else {
            if (calls == null) {
                calls = new ArrayList<>(4);
                calls.add(first);
            }
            calls.add(call);
        }
        return call;
    }

    @Override
    public int attemptCount() {
        return calls != null ? calls.size() : first == null ? 0 : 1;
    }

    @Override
    public Attempt attemptAt(int i) {
        if (calls != null) {
            return calls.get(i);
        }
        if (i != 0 || first == null) {
            throw new IndexOutOfBoundsException("attempt " + i + " of " + attemptCount());
        }
        return first;
    }

    @Override
    public List<Attempt> attempts() {
        if (calls != null) {
            return Collections.unmodifiableList(calls);
        }
        return first == null ? List.of() : List.of(first);
    }

    @Override
    public boolean bufferRequestBody(long maxBytes) {
        if (maxBytes < 0) {
            throw new IllegalArgumentException("maxBytes must not be negative: " + maxBytes);
        }
        return maxBytes == 0 || body.keep(maxBytes);
    }

    @Override
    public boolean replayable() {
        return body.replayable();
    }

    @Override
    public CompletionStage<byte[]> readRequestBody(long maxBytes) {
        if (maxBytes < 0) {
            throw new IllegalArgumentException("maxBytes must not be negative: " + maxBytes);
        }
        checkNoAttempt();
        return body.read(maxBytes);
    }

    @Override
    public void transformRequestBody(BodyTransform transform) {
        Objects.requireNonNull(transform, "transform");
        checkNoAttempt();
        body.transform(transform);
    }

    /** {@link NettyRequest#body(byte[])}: the checks and the new body; the request sets its own framing. */
    void replaceRequestBody(byte[] bytes) {
        checkNoAttempt();
        if (!body.replaceable()) {
            throw new IllegalStateException("the client's request body was not read whole: read it with "
                    + "Exchange.readRequestBody before replacing it");
        }
        body.replace(bytes);
    }

    private void checkNoAttempt() {
        checkNotCommitted();
        if (first != null) {
            throw new IllegalStateException("an upstream attempt was already made: the request body can only be "
                    + "read, replaced or transformed before the first one");
        }
    }

    void checkNotCommitted() {
        if (committed || ended) {
            throw new IllegalStateException("the response is already committed");
        }
    }

    /**
     * The request head for an attempt to {@code target}: the client's head itself, prepared in place, for the
     * first attempt sent (no copy on the common path), a copy of it for the others and for an attempt that
     * wants its own ({@code copy}).
     */
    io.netty.handler.codec.http.HttpRequest upstreamHead(Forward target, boolean copy) {
        if (!templatePrepared) {
            templatePrepared = true;
            request.seal();
            originalHost = UpstreamRequest.prepare(this, head);
        }
        io.netty.handler.codec.http.HttpRequest h;
        if (!copy && !templateSent) {
            templateSent = true;
            h = head;
        } else {
            h = UpstreamRequest.copy(head);
        }
        UpstreamRequest.host(h, target, originalHost);
        return h;
    }

    /** The attempt's response becomes the exchange's. */
    void use(ForwardCall call) {
        checkNotCommitted();
        if (used == call) {
            return;
        }
        NettyResponse old = response;
        ForwardCall before = used;
        used = call;
        response = call.nettyResponse();
        if (before != null && old != null && old.fromUpstream()) {
            before.discardResponse();
        }
    }

    /** A forward's response arrived: it becomes the exchange's unless the exchange is already over. */
    void useOnArrival(ForwardCall call) {
        if (!committed && !ended) {
            use(call);
        }
    }

    ForwardCall usedCall() {
        return used;
    }

    /** The used attempt was cancelled: the exchange has no response any more. */
    void usedCancelled(ForwardCall call) {
        if (used == call && !committed) {
            used = null;
            response = null;
        }
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return (InetSocketAddress) ctx.channel().remoteAddress();
    }

    @Override
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) ctx.channel().localAddress();
    }

    @Override
    public String scheme() {
        // the connection's own: a listener switched to or from TLS keeps its open connections as they were
        return stream.conn.settings.scheme();
    }

    @Override
    public String server() {
        return stream.conn.settings.name();
    }

    // ------------------------------------------------------------------ commit

    @Override
    public void end() {
        if (ended) {
            throw new IllegalStateException("end() was already called for " + request);
        }
        ended = true;
        if (isFinished()) {
            return;
        }
        NettyResponse r = forced != null ? forced : response;
        if (r == null) {
            r = errorResponse(500, "no_response", "the pipeline ended without a response");
        } else if (r.fromUpstream() && used.brokenResponse() != null) {
            UpstreamException e = used.brokenResponse();
            r = errorResponse(e.status(), "upstream_error", "upstream " + used.target().authority() + ": "
                    + e.getMessage());
        }
        if (r != response) {
            replaceResponse(r);
        }
        commit(r);
    }

    private NettyResponse errorResponse(int status, String code, String message) {
        NettyResponse r = NettyResponse.gateway(status);
        r.nettyHeaders().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        r.body(ErrorBody.json(status, code, message));
        return r;
    }

    /** A handler threw: answer 500 unless the exchange already ended. */
    void handlerFailed(Throwable t) {
        if (ended || isFinished()) {
            return;
        }
        if (!committed) {
            response = null;
            forced = errorResponse(500, "internal_error", "the request handler failed");
        }
        end();
    }

    private void commit(NettyResponse r) {
        int status = r.status();
        boolean noBody = headRequest || status == 204 || status == 304 || status < 200;
        BodyTransforms transforms = noBody ? null : r.transforms();
        if (transforms != null && r.bodyInHand()) {
            try {
                r.body(transforms.applyAll(r.bodyBytes()));
            } catch (Exception | Error e) {
                LOG.error("pipeline {}: a response body transformation failed for {}", pipeline(), request, e);
                NettyResponse failed = errorResponse(500, "transform_failed", "a body transformation failed");
                replaceResponse(failed);
                r = failed;
                status = 500;
            }
            transforms = null;
        }
        committed = true;
        r.markCommitted();
        boolean h2 = stream.h2;
        closeAfter = !h2 && (!keepAlive || stream.conn.draining() || !body.complete() || forced != null);
        HttpHeaders hs = r.nettyHeaders();
        if (r.bodyInHand()) {
            if (!r.fromUpstream()) {
                body.discard();
            }
            byte[] bytes = r.bodyBytes();
            ByteBuf content = bytes == null || bytes.length == 0 || noBody ? Unpooled.EMPTY_BUFFER
                    : Unpooled.wrappedBuffer(bytes);
            bytesSent = content.readableBytes();
            hs.remove(HttpHeaderNames.TRANSFER_ENCODING);
            if (status == 204 || status < 200) {
                hs.remove(HttpHeaderNames.CONTENT_LENGTH);
            } else if (status != 304 && !hs.contains(HttpHeaderNames.CONTENT_LENGTH)) {
                hs.setInt(HttpHeaderNames.CONTENT_LENGTH, bytes == null ? 0 : bytes.length);
            }
            connectionHeader(hs);
            DefaultFullHttpResponse full = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                    HttpResponseStatus.valueOf(status), content, hs, EmptyHttpHeaders.INSTANCE);
            ctx.writeAndFlush(full).addListener(this);
            return;
        }
        io.netty.handler.codec.http.HttpResponse upstreamHead = r.upstreamHead();
        // the gateway speaks HTTP/1.1, also to HTTP/1.0 clients (RFC 9110 6.2); framing follows the client
        upstreamHead.setProtocolVersion(HttpVersion.HTTP_1_1);
        if (transforms != null) {
            // the transformations change the length
            hs.remove(HttpHeaderNames.CONTENT_LENGTH);
            responseTransforms = transforms;
        }
        if (status == 204 || status < 200) {
            hs.remove(HttpHeaderNames.CONTENT_LENGTH);
        } else if (!noBody && !hs.contains(HttpHeaderNames.CONTENT_LENGTH)) {
            if (h2 || clientVersion.equals(HttpVersion.HTTP_1_1)) {
                hs.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            } else {
                closeAfter = true;
            }
        }
        connectionHeader(hs);
        ctx.write(upstreamHead, ctx.voidPromise());
        used.startResponseStream();
    }

    private void connectionHeader(HttpHeaders hs) {
        if (stream.h2) {
            return;
        }
        boolean http10 = clientVersion.equals(HttpVersion.HTTP_1_0);
        if (closeAfter) {
            // explicit for HTTP/1.0 clients too: the status line says HTTP/1.1, where no Connection means keep-alive
            hs.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (http10) {
            hs.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        } else {
            hs.remove(HttpHeaderNames.CONNECTION);
        }
    }

    /** Writes a piece of the upstream response body (after commit); the last piece completes the exchange. */
    void writeResponseContent(HttpContent content) {
        if (isFinished()) {
            content.release();
            return;
        }
        if (responseTransforms != null) {
            content = transformed(content);
            if (content == null) {
                return;
            }
        }
        bytesSent += content.content().readableBytes();
        if (content instanceof LastHttpContent) {
            ctx.writeAndFlush(content).addListener(this);
        } else {
            ctx.write(content, ctx.voidPromise());
        }
    }

    /** A piece of the upstream body through the response's transformations; null when the exchange failed. */
    private HttpContent transformed(HttpContent content) {
        try {
            return responseTransforms.apply(content);
        } catch (Exception | Error e) {
            responseTransforms = null;
            transformFailed(e);
            return null;
        }
    }

    void flush() {
        if (!isFinished()) {
            ctx.flush();
        }
    }

    boolean clientWritable() {
        return ctx.channel().isWritable();
    }

    void clientReadComplete() {
        body.flushTargets();
    }

    void clientWritabilityChanged(boolean writable) {
        if (used != null) {
            used.clientWritabilityChanged(writable);
        }
    }

    /** The last write of the response completed. */
    @Override
    public void operationComplete(ChannelFuture future) {
        if (future.isSuccess()) {
            finish(null);
        } else {
            finish(future.cause());
        }
    }

    /** Sends {@code 100 Continue} once, when the request body is about to be consumed. */
    void continueIfExpected() {
        if (expectContinue && !continued && !committed && !isFinished() && !body.complete()) {
            continued = true;
            ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE,
                    Unpooled.EMPTY_BUFFER), ctx.voidPromise());
        }
    }

    // ------------------------------------------------------------------ failures

    /** The request body went over the limit. */
    void bodyTooLarge(long limit) {
        UpstreamException cause = new UpstreamException(UpstreamException.Reason.CLIENT_ABORTED,
                "the request body is larger than " + limit + " bytes", null);
        if (committed) {
            abort(cause);
            return;
        }
        forced = errorResponse(413, "payload_too_large", "the request body is larger than " + limit + " bytes");
        abortCalls(cause);
        stream.updateAutoRead();
    }

    /** No request body data arrived for the body idle timeout while the gateway was reading. */
    void bodyTimedOut(long millis) {
        String message = "no request body data was received for " + millis + " ms";
        UpstreamException cause = new UpstreamException(UpstreamException.Reason.CLIENT_ABORTED, message, null);
        if (committed) {
            abort(cause);
            return;
        }
        forced = errorResponse(408, "request_timeout", message);
        abortCalls(cause);
        stream.updateAutoRead();
    }

    /** The request body could not be decoded. */
    void bodyBroken(Throwable cause) {
        UpstreamException e = new UpstreamException(UpstreamException.Reason.CLIENT_ABORTED,
                "malformed request body: " + cause.getMessage(), cause);
        if (committed) {
            abort(e);
            return;
        }
        forced = errorResponse(400, "bad_request", "malformed request body");
        abortCalls(e);
        stream.updateAutoRead();
    }

    /** A body transformation threw: the exchange fails (500 before the commit, a close after it). */
    void transformFailed(Throwable cause) {
        LOG.error("pipeline {}: a body transformation failed for {}", pipeline(), request, cause);
        UpstreamException e = new UpstreamException(UpstreamException.Reason.CLIENT_ABORTED,
                "a body transformation failed", cause);
        if (committed) {
            abort(e);
            return;
        }
        forced = errorResponse(500, "transform_failed", "a body transformation failed");
        abortCalls(e);
        stream.updateAutoRead();
    }

    /** The client went away or the exchange cannot go on: close both sides, tell the listeners. */
    void abort(Throwable cause) {
        if (isFinished()) {
            return;
        }
        abortCalls(cause instanceof UpstreamException ? (UpstreamException) cause
                : new UpstreamException(UpstreamException.Reason.CLIENT_ABORTED, "the client went away", cause));
        closeAfter = true;
        finish(cause);
    }

    private void abortCalls(UpstreamException cause) {
        if (calls != null) {
            for (int i = 0; i < calls.size(); i++) {
                calls.get(i).abort(cause);
            }
        } else if (first != null) {
            first.abort(cause);
        }
    }

    private void finish(Throwable cause) {
        if (!markFinished(cause)) {
            return;
        }
        if (calls != null) {
            for (int i = 0; i < calls.size(); i++) {
                calls.get(i).exchangeFinished(cause);
            }
        } else if (first != null) {
            first.exchangeFinished(cause);
        }
        body.release();
        stream.exchangeFinished(this, closeAfter || cause != null);
        notifyListeners();
    }

    boolean isCommitted() {
        return committed;
    }

    @Override
    public long bytesReceived() {
        return body.received();
    }

    @Override
    public long bytesSent() {
        return bytesSent;
    }

    @Override
    public String upstreamAddress() {
        ForwardCall u = used;
        return u == null ? null : u.target().authority();
    }

    @Override
    public String toString() {
        return request.toString();
    }
}
