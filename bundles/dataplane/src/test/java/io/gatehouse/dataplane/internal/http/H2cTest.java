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
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
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

    @Test
    public void h2PathsAreNormalizedAndMalformedOnesRefused() throws Exception {
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
            for (String path : new String[] {"/t3/../dead/x?q=%2F", "//dead/x?q=%2F", "/%64ead/x?q=%2F"}) {
                FullHttpResponse r = exchange(connection, request(HttpMethod.GET, path, ""));
                assertEquals(path, 200, r.status().code());
                r.release();
                assertEquals(path, "/dead/x?q=%2F", upstream.requests.poll().uri());
            }
            for (String path : new String[] {"dead/x", "/a%zz", "/..;/dead"}) {
                FullHttpResponse r = exchange(connection, request(HttpMethod.GET, path, ""));
                assertEquals(path, 400, r.status().code());
                assertTrue(r.content().toString(StandardCharsets.UTF_8).startsWith("{\"status\":400,"));
                r.release();
            }
            // Netty's HTTP/1-to-2 conversion would drop user information: send HEADERS frames as such
            assertEquals(400, status(connection, h2Get("u@evil", null)));
            // conflicting :authority and host: Netty's conversion resets the stream before the gateway sees it
            assertEquals(RESET, status(connection, h2Get("a.example", "b.example")));
            assertEquals(200, status(connection, h2Get("a.example", "A.Example")));
            assertEquals("a.example", upstream.requests.poll().header("Host"));
            connection.close().sync();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
        assertNull("refused requests reach no upstream", upstream.requests.poll());
    }

    private static Http2Headers h2Get(String authority, String host) {
        Http2Headers h = new DefaultHttp2Headers().method("GET").scheme("http").path("/h").authority(authority);
        if (host != null) {
            h.add("host", host);
        }
        return h;
    }

    private static final int RESET = -1;

    /** Sends one HEADERS frame (end of stream) and returns the response's status, or RESET. */
    private static int status(Channel connection, Http2Headers headers) throws Exception {
        CompletableFuture<Integer> status = new CompletableFuture<>();
        Http2StreamChannel stream = new Http2StreamChannelBootstrap(connection)
                .handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        if (msg instanceof Http2HeadersFrame) {
                            status.complete(Integer.parseInt(((Http2HeadersFrame) msg).headers().status().toString()));
                        }
                        ReferenceCountUtil.release(msg);
                    }

                    @Override
                    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                        if (evt instanceof Http2ResetFrame) {
                            status.complete(RESET);
                        }
                    }
                }).open().sync().getNow();
        stream.writeAndFlush(new DefaultHttp2HeadersFrame(headers, true)).sync();
        return status.get(10, TimeUnit.SECONDS);
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
