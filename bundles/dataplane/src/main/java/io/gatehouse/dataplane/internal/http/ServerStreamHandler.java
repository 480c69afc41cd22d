package io.gatehouse.dataplane.internal.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.util.ReferenceCountUtil;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns decoded requests into exchanges, one at a time, on an HTTP/1.1 connection or on one HTTP/2 stream
 * (whose frames are converted to the same HTTP objects). Framing is checked here before any handler sees
 * the request. Reading is paused while a request body waits for a consumer; pipelined requests wait in a
 * small backlog (reading stops as soon as one is queued).
 */
final class ServerStreamHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(ServerStreamHandler.class);
    /** The longest a connection lingers after an error response before it is closed (bounded resources). */
    static final long LINGER_MS = 2000;

    final ConnectionState conn;
    final boolean h2;
    /** The HTTP/1 codec before this handler (null on an HTTP/2 stream). */
    private final ServerCodec codec;
    private ChannelHandlerContext ctx;
    private NettyExchange current;
    private ArrayDeque<Object> backlog;
    private boolean closing;
    /** After an error response on HTTP/1: output shut down, input read and dropped until the client closes. */
    private boolean lingering;

    /** The handler of an HTTP/2 stream. */
    ServerStreamHandler(ConnectionState conn) {
        this.conn = conn;
        this.h2 = true;
        this.codec = null;
    }

    /** The handler of an HTTP/1 connection. */
    ServerStreamHandler(ConnectionState conn, ServerCodec codec) {
        this.conn = conn;
        this.h2 = false;
        this.codec = codec;
        conn.http1(this);
    }

    ChannelHandlerContext ctx() {
        return ctx;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!h2 && msg instanceof HttpRequest) {
            conn.headArrived();
        }
        if (closing) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (backlog != null && !backlog.isEmpty()) {
            backlog.add(msg);
            updateAutoRead();
            return;
        }
        NettyExchange ex = current;
        if (ex != null) {
            if (!ex.body().lastSeen() && isBodyContent(msg)) {
                ex.body().onContent((HttpContent) msg);
                return;
            }
            if (backlog == null) {
                backlog = new ArrayDeque<>(4);
            }
            backlog.add(msg);
            updateAutoRead();
            return;
        }
        dispatch(msg);
    }

    private static boolean isBodyContent(Object msg) {
        return msg instanceof HttpContent && !(msg instanceof HttpRequest);
    }

    /**
     * Feeds queued (pipelined) messages in order: body pieces to the current exchange, the next request
     * once the current exchange is over.
     */
    private void drainBacklog() {
        while (!closing && backlog != null && !backlog.isEmpty()) {
            Object msg = backlog.peek();
            NettyExchange ex = current;
            if (ex != null && (ex.body().lastSeen() || !isBodyContent(msg))) {
                return;
            }
            backlog.poll();
            if (ex != null) {
                ex.body().onContent((HttpContent) msg);
            } else {
                dispatch(msg);
            }
        }
    }

    private void dispatch(Object msg) {
        if (msg instanceof HttpRequest) {
            onRequest((HttpRequest) msg);
        } else {
            // the terminator of a request that was already answered, or the body of a rejected one
            ReferenceCountUtil.release(msg);
        }
    }

    private void onRequest(HttpRequest req) {
        DecoderResult result = req.decoderResult();
        if (result.isFailure()) {
            ReferenceCountUtil.release(req);
            Throwable cause = result.cause();
            if (cause instanceof HeadRejectedException) {
                HeadRejectedException e = (HeadRejectedException) cause;
                reject(e.status, e.code, e.getMessage());
            } else if (cause instanceof TooLongHttpLineException) {
                reject(414, "uri_too_long", "the request line is longer than "
                        + conn.settings.maxInitialLineLength() + " bytes");
            } else if (cause instanceof TooLongHttpHeaderException) {
                reject(431, "headers_too_large", "the request header block is larger than "
                        + conn.settings.maxHeaderSize() + " bytes");
            } else {
                reject(400, "bad_request", "malformed request: " + cause.getMessage());
            }
            return;
        }
        if (!h2 && req.protocolVersion().majorVersion() != 1) {
            ReferenceCountUtil.release(req);
            reject(505, "http_version_not_supported", "only HTTP/1.0, HTTP/1.1 and h2c are supported");
            return;
        }
        if (HttpMethod.CONNECT.equals(req.method())) {
            ReferenceCountUtil.release(req);
            reject(405, "method_not_allowed", "CONNECT tunnels are not supported");
            return;
        }
        String problem = h2 ? null : framingProblem(req);
        if (problem != null) {
            ReferenceCountUtil.release(req);
            reject(problem.startsWith("501") ? 501 : 400, problem.startsWith("501") ? "not_implemented"
                    : "bad_request", problem.substring(4));
            return;
        }
        problem = HeadCheck.check(req, h2, conn.settings.pathNormalization());
        if (problem != null) {
            ReferenceCountUtil.release(req);
            reject(400, "bad_request", problem);
            return;
        }
        HttpRequest head = req;
        LastHttpContent initial = null;
        if (req instanceof FullHttpRequest) {
            FullHttpRequest full = (FullHttpRequest) req;
            head = new DefaultHttpRequest(full.protocolVersion(), full.method(), full.uri(), full.headers());
            initial = new DefaultLastHttpContent(full.content(), full.trailingHeaders());
        }
        long length = contentLength(head, initial);
        long max = conn.settings.maxRequestBody();
        if (max > 0 && length > max) {
            ReferenceCountUtil.release(initial);
            reject(413, "payload_too_large", "the request body is larger than " + max + " bytes");
            return;
        }
        boolean expectContinue = false;
        String expect = head.headers().get(HttpHeaderNames.EXPECT);
        if (expect != null) {
            if (!HttpHeaderValues.CONTINUE.contentEqualsIgnoreCase(expect.trim())) {
                ReferenceCountUtil.release(initial);
                reject(417, "expectation_failed", "unsupported expectation: " + expect);
                return;
            }
            expectContinue = !head.protocolVersion().equals(HttpVersion.HTTP_1_0);
        }
        NettyExchange ex = new NettyExchange(this, head, length, expectContinue);
        current = ex;
        conn.exchangeStarted();
        if (length != 0) {
            // the body waits for a consumer; a request without one keeps reading (no epoll_ctl per request)
            setAutoRead(false);
        }
        if (initial != null) {
            ex.body().onContent(initial);
        }
        // a pipelined request's body may already be waiting: give it to the exchange first
        drainBacklog();
        if (head.uri().equals("*")) {
            // OPTIONS * asks about the gateway itself: it answers; nothing is routed or forwarded
            ex.respond(200);
            ex.end();
            return;
        }
        try {
            conn.listener.handler().handle(ex);
        } catch (Throwable t) {
            LOG.error("Request handler of server {} failed on {}", conn.settings.name(), ex.request(), t);
            ex.handlerFailed(t);
        }
    }

    /**
     * RFC 9112 framing checks Netty's decoder leaves to us; null when fine, else "NNN message". Host and the
     * request target are checked by {@link HeadCheck}.
     */
    private static String framingProblem(HttpRequest req) {
        HttpHeaders h = req.headers();
        if (h.contains(HttpHeaderNames.TRANSFER_ENCODING)) {
            if (h.contains(HttpHeaderNames.CONTENT_LENGTH)) {
                return "400 Content-Length and Transfer-Encoding together are not accepted";
            }
            List<String> te = h.getAll(HttpHeaderNames.TRANSFER_ENCODING);
            if (te.size() != 1 || !HttpHeaderValues.CHUNKED.contentEqualsIgnoreCase(te.get(0).trim())) {
                return "501 only the chunked transfer coding is supported";
            }
        }
        return null;
    }

    private long contentLength(HttpRequest head, LastHttpContent initial) {
        HttpHeaders h = head.headers();
        String cl = h.get(HttpHeaderNames.CONTENT_LENGTH);
        if (cl != null) {
            return Long.parseLong(cl.trim());
        }
        if (initial != null) {
            return initial.content().readableBytes();
        }
        return h.contains(HttpHeaderNames.TRANSFER_ENCODING) ? -1 : 0;
    }

    /** Answers a request that never becomes an exchange, then closes the connection (or the stream). */
    private void reject(int status, String code, String message) {
        closing = true;
        setAutoRead(false);
        byte[] body = ErrorBody.json(status, code, message);
        FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status),
                Unpooled.wrappedBuffer(body));
        resp.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        if (!h2) {
            resp.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        ChannelFuture written = ctx.writeAndFlush(resp);
        if (h2 || !(ctx.channel() instanceof DuplexChannel duplex)) {
            written.addListener(ChannelFutureListener.CLOSE);
            return;
        }
        // lingering close (as nginx's lingering_close): closing a socket with unread input makes the kernel
        // send a reset, which can destroy the error response before the client reads it (a slow client still
        // sending its head saw that instead of the 408). So: stop sending, read and drop what the client still
        // sends until it closes, for at most LINGER_MS, then close.
        written.addListener(done -> {
            if (!done.isSuccess() || !ctx.channel().isActive()) {
                ctx.close();
                return;
            }
            lingering = true;
            duplex.shutdownOutput().addListener(out -> {
                if (!out.isSuccess()) {
                    ctx.close();
                    return;
                }
                setAutoRead(true);
                ctx.executor().schedule(() -> ctx.close(), LINGER_MS, TimeUnit.MILLISECONDS);
            });
        });
    }

    /** Called by the exchange once its response is fully written (or it was aborted). */
    void exchangeFinished(NettyExchange ex, boolean close) {
        if (current != ex) {
            return;
        }
        current = null;
        conn.exchangeEnded();
        if (close || closing || conn.draining() || (h2 && !ex.body().lastSeen())) {
            closing = true;
            releaseBacklog();
            ctx.close();
            return;
        }
        drainBacklog();
        updateAutoRead();
        if (current == null && !closing && codec != null && codec.hasPartialInput()) {
            // the next head began while this exchange ran: its time counts from now
            conn.headBegunEarlier();
        }
    }

    /** The request head did not arrive in time (HTTP/1): 408, then close. */
    void headTimedOut(long millis) {
        if (closing) {
            ctx.close();
            return;
        }
        LOG.debug("Connection {} of server {}: request head incomplete after {} ms", ctx.channel(),
                conn.settings.name(), millis);
        reject(408, "request_timeout", "the request head was not received within " + millis + " ms");
    }

    void updateAutoRead() {
        boolean want;
        if (closing) {
            want = lingering;
        } else if (current == null) {
            want = backlog == null || backlog.isEmpty();
        } else if (current.body().complete()) {
            // nothing more to read for this exchange; keep reading to notice a client that goes away
            want = backlog == null || backlog.isEmpty();
        } else {
            want = current.body().wantsRead();
        }
        setAutoRead(want);
    }

    private void setAutoRead(boolean on) {
        if (ctx.channel().config().isAutoRead() != on) {
            ctx.channel().config().setAutoRead(on);
            NettyExchange ex = current;
            if (on && ex != null) {
                ex.body().readResumed();
            }
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        NettyExchange ex = current;
        if (ex != null) {
            // body pieces of this read went to the upstream unflushed: one flush per read
            ex.clientReadComplete();
        }
        super.channelReadComplete(ctx);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        NettyExchange ex = current;
        if (ex != null) {
            ex.clientWritabilityChanged(ctx.channel().isWritable());
        }
        super.channelWritabilityChanged(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        closing = true;
        releaseBacklog();
        NettyExchange ex = current;
        if (ex != null) {
            ex.abort(new ClosedChannelException());
        }
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("Client connection {} failed", ctx.channel(), cause);
        closing = true;
        releaseBacklog();
        NettyExchange ex = current;
        if (ex != null) {
            ex.abort(cause);
        }
        ctx.close();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof HttpServerUpgradeHandler.UpgradeEvent) {
            // h2c via Upgrade: the HTTP/2 handlers now sit before us; streams get their own handlers
            conn.http2();
            ChannelHandlerContext frames = ctx.pipeline().context(Http2FrameCodec.class);
            if (frames != null) {
                ctx.pipeline().addBefore(frames.name(), null, new Http2HeadTracker(conn));
            }
            ctx.fireUserEventTriggered(evt);
            ctx.pipeline().remove(this);
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    private void releaseBacklog() {
        if (backlog != null) {
            Object o;
            while ((o = backlog.poll()) != null) {
                ReferenceCountUtil.release(o);
            }
        }
    }
}
