package io.gatehouse.dataplane.internal.http;

import io.gatehouse.dataplane.ListenerSettings;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ServerUpgradeCodec;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.AsciiString;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the pipeline of an accepted connection with the limits its listener has at that moment:
 * idle timeout, the connection guard (draining, request-head timer), HTTP/1.1 codec, and when enabled h2c
 * by prior knowledge or by {@code Upgrade: h2c} (behind an {@link Http2HeadTracker}), both ending in the
 * same {@link ServerStreamHandler} (per connection for HTTP/1.1, per stream for HTTP/2). An HTTPS listener
 * starts with an {@link SniHandler} (the certificate for the name the client asks for) and picks HTTP/2 or
 * HTTP/1.1 by ALPN once the handshake is done.
 */
final class ServerInitializer extends ChannelInitializer<Channel> {
    private static final Logger LOG = LoggerFactory.getLogger(ServerInitializer.class);
    private static final int MAX_CHUNK = 65536;
    private static final int MAX_UPGRADE_BODY = 65536;
    /**
     * The client hello must arrive within this long (SNI), then the rest of the handshake within as long again
     * (the SslHandler's own timeout), else the connection closes.
     */
    private static final long HANDSHAKE_TIMEOUT_MILLIS = 10_000;

    private final NettyHttpListener listener;

    ServerInitializer(NettyHttpListener listener) {
        this.listener = listener;
    }

    @Override
    protected void initChannel(Channel ch) {
        NettyHttpListener.Current current = listener.current();
        ListenerSettings s = current.settings();
        ConnectionState conn = new ConnectionState(listener, s, ch);
        ChannelPipeline p = ch.pipeline();
        // reader idleness only (no listener per write); the guard closes only when no exchange is in flight
        p.addLast(new IdleStateHandler(s.idleTimeout().toMillis(), 0, 0, TimeUnit.MILLISECONDS));
        p.addLast(new ConnectionGuard(conn));
        ServerCodec codec = new ServerCodec(new HttpDecoderConfig()
                .setMaxInitialLineLength(s.maxInitialLineLength())
                .setMaxHeaderSize(s.maxHeaderSize())
                .setMaxChunkSize(MAX_CHUNK)
                .setAllowDuplicateContentLengths(false));
        ServerStreamHandler http1 = new ServerStreamHandler(conn, codec);
        ServerTlsState tls = current.tls();
        if (tls != null) {
            // HTTPS: the certificate by SNI, then HTTP/2 or HTTP/1.1 as ALPN agreed (no h2c over TLS)
            p.addFirst(new SniHandler(tls.mapping(), HANDSHAKE_TIMEOUT_MILLIS));
            p.addLast(new ApplicationProtocolNegotiationHandler(ApplicationProtocolNames.HTTP_1_1) {
                @Override
                protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
                    if (ApplicationProtocolNames.HTTP_2.equals(protocol) && s.http2()) {
                        ctx.pipeline().addLast(new Http2HeadTracker(conn), frameCodec(s), multiplex(conn));
                    } else {
                        ctx.pipeline().addLast(codec, http1);
                    }
                }

                // a failed handshake (a scanner, plain HTTP on the HTTPS port, an expired client) is the client's
                // problem, not the node's: closed quietly instead of a WARN with a stack trace each time
                @Override
                protected void handshakeFailure(ChannelHandlerContext ctx, Throwable cause) {
                    LOG.debug("TLS handshake with {} failed on server '{}': {}", ctx.channel().remoteAddress(),
                            s.name(), cause.toString());
                    ctx.close();
                }

                @Override
                public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                    LOG.debug("TLS connection {} of server '{}' failed before ALPN: {}",
                            ctx.channel().remoteAddress(), s.name(), cause.toString());
                    ctx.close();
                }
            });
            return;
        }
        if (!s.http2()) {
            p.addLast(codec, http1);
            return;
        }
        HttpServerUpgradeHandler upgrade = new HttpServerUpgradeHandler(codec, protocol ->
                AsciiString.contentEquals(Http2CodecUtil.HTTP_UPGRADE_PROTOCOL_NAME, protocol)
                        ? new Http2ServerUpgradeCodec(frameCodec(s), multiplex(conn)) : null, MAX_UPGRADE_BODY);
        ChannelHandler priorKnowledge = new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel c) {
                c.pipeline().addLast(new Http2HeadTracker(conn), frameCodec(s), multiplex(conn));
            }
        };
        p.addLast(new PriorKnowledgeDetector(conn, priorKnowledge, codec, upgrade, http1));
        p.addLast(codec, upgrade, http1);
    }

    private Http2FrameCodec frameCodec(ListenerSettings s) {
        return Http2FrameCodecBuilder.forServer()
                .initialSettings(Http2Settings.defaultSettings()
                        .maxHeaderListSize(Math.max(s.maxHeaderSize(), 4096))
                        .maxConcurrentStreams(256))
                .gracefulShutdownTimeoutMillis(listener.context().drainTimeout().toMillis())
                .validateHeaders(true)
                .build();
    }

    private static Http2MultiplexHandler multiplex(ConnectionState conn) {
        return new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
            @Override
            protected void initChannel(Http2StreamChannel ch) {
                ch.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(true, true),
                        new ServerStreamHandler(conn));
            }
        });
    }
}
