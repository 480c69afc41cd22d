package io.gatehouse.dataplane.internal.http;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.Test;

/** h2c through the proxy: Upgrade (java.net.http) and prior knowledge (a Netty HTTP/2 client). */
public class H2cTest extends DataPlaneTestSupport {

    @Test
    public void upgradeH2cWorksThroughTheProxy() throws Exception {
        int port = bind(proxy());
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2)
                .connectTimeout(Duration.ofSeconds(5)).build();
        URI base = URI.create("http://127.0.0.1:" + port);
        HttpResponse<String> first = client.send(HttpRequest.newBuilder(base.resolve("/up?x=%2F")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, first.statusCode());
        assertEquals(HttpClient.Version.HTTP_2, first.version());
        assertEquals("ok", first.body());
        HttpResponse<String> post = client.send(HttpRequest.newBuilder(base.resolve("/sha"))
                        .POST(HttpRequest.BodyPublishers.ofString("hello")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(HttpClient.Version.HTTP_2, post.version());
        assertTrue(post.body(), post.body().startsWith("2cf24dba") && post.body().endsWith(" 5"));
        TestUpstream.Seen up = upstream.requests.poll();
        assertEquals("/up?x=%2F", up.uri());
        assertEquals("HTTP/1.1", up.protocol());
        assertEquals("127.0.0.1:" + port, up.header("Host"));
        assertNull(up.header("Upgrade"));
        assertNull(up.header("HTTP2-Settings"));
        TestUpstream.Seen body = upstream.requests.poll();
        assertEquals(5, body.bodyBytes());
        assertNull(body.header("x-http2-stream-id"));
        assertEquals("2.0 gatehouse", body.header("Via"));
    }

    @Test
    public void priorKnowledgeWorksThroughTheProxy() throws Exception {
        int port = bind(proxy());
        NioEventLoopGroup group = new NioEventLoopGroup(1);
        try {
            Channel connection = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(Http2FrameCodecBuilder.forClient().build(),
                                    new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
                        }
                    }).connect("127.0.0.1", port).sync().channel();
            FullHttpResponse get = exchange(connection, request(HttpMethod.GET, "/pk;a=b?q=%20", ""));
            assertEquals(200, get.status().code());
            assertEquals("ok", get.content().toString(StandardCharsets.UTF_8));
            get.release();
            FullHttpResponse post = exchange(connection, request(HttpMethod.POST, "/sha", "hello"));
            String text = post.content().toString(StandardCharsets.UTF_8);
            post.release();
            assertTrue(text, text.startsWith("2cf24dba") && text.endsWith(" 5"));
            connection.close().sync();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
        TestUpstream.Seen seen = upstream.requests.poll();
        assertEquals("/pk;a=b?q=%20", seen.uri());
        assertEquals("example.com", seen.header("Host"));
        assertEquals("example.com", seen.header("X-Forwarded-Host"));
        assertNull(seen.header("x-http2-scheme"));
        assertEquals(5, upstream.requests.poll().bodyBytes());
    }

    private static FullHttpRequest request(HttpMethod method, String uri, String body) {
        FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, uri,
                Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        req.headers().set(HttpHeaderNames.HOST, "example.com");
        req.headers().set(HttpConversionUtil.ExtensionHeaderNames.SCHEME.text(), "http");
        if (!body.isEmpty()) {
            req.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length());
        }
        return req;
    }

    private static FullHttpResponse exchange(Channel connection, FullHttpRequest req) throws Exception {
        CompletableFuture<FullHttpResponse> result = new CompletableFuture<>();
        Http2StreamChannel stream = new Http2StreamChannelBootstrap(connection)
                .handler(new ChannelInitializer<Http2StreamChannel>() {
                    @Override
                    protected void initChannel(Http2StreamChannel ch) {
                        ch.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(false),
                                new HttpObjectAggregator(1 << 20),
                                new SimpleChannelInboundHandler<FullHttpResponse>() {
                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse msg) {
                                        result.complete(msg.retain());
                                    }

                                    @Override
                                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                        result.completeExceptionally(cause);
                                    }
                                });
                    }
                }).open().sync().getNow();
        stream.writeAndFlush(req).sync();
        return result.get(10, TimeUnit.SECONDS);
    }
}
