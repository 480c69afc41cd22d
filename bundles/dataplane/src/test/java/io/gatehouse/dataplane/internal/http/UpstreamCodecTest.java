package io.gatehouse.dataplane.internal.http;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotSame;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.After;
import org.junit.Test;

/** {@link UpstreamCodec}: shared header names, and response framing that depends on the request method. */
public class UpstreamCodecTest {
    static {
        LeakDetection.install();
    }

    private final EmbeddedChannel ch = new EmbeddedChannel(new UpstreamCodec(new HttpDecoderConfig()));

    @After
    public void close() {
        ch.finishAndReleaseAll();
        LeakDetection.assertNoLeaks();
    }

    @Test
    public void commonNamesAreSharedOnlyWhenSpelledExactlyLikeTheConstant() {
        String head = "HTTP/1.1 200 OK\r\nServer: nginx\r\ncontent-type: text/plain\r\nCONTENT-LENGTH: 2\r\n"
                + "X-Custom: a\r\nDate: Mon, 01 Jan 2024 00:00:00 GMT\r\n\r\nok";
        List<CharSequence> first = names(exchange(HttpMethod.GET, head));
        List<CharSequence> second = names(exchange(HttpMethod.GET, head));

        assertEquals(List.of("Server", "content-type", "CONTENT-LENGTH", "X-Custom", "Date"), strings(first));
        // canonical and lower-case spellings: the same instance on every response
        assertSame(first.get(0), second.get(0));
        assertSame(first.get(1), second.get(1));
        assertSame(first.get(4), second.get(4));
        // any other spelling or name: a copy, exactly as the upstream wrote it
        assertNotSame(first.get(2), second.get(2));
        assertNotSame(first.get(3), second.get(3));
    }

    @Test
    public void sharedNameMatchesWholeNamesOnly() {
        assertSame(UpstreamCodec.sharedName(bytes("Content-Type"), 0, 12),
                UpstreamCodec.sharedName(bytes("xContent-Typex"), 1, 12));
        assertEquals("content-length", UpstreamCodec.sharedName(bytes("content-length"), 0, 14).toString());
        assertNull(UpstreamCodec.sharedName(bytes("Content-Typo"), 0, 12));
        assertNull(UpstreamCodec.sharedName(bytes("Content-Type"), 0, 11));
        assertNull(UpstreamCodec.sharedName(bytes("Content-TYPE"), 0, 12));
        assertNull(UpstreamCodec.sharedName(bytes("X-A-Name-Longer-Than-Any-Shared-Name-Here"), 0, 41));
    }

    @Test
    public void statusLineWordsAreSharedOnlyWhenStandard() {
        assertSame(UpstreamCodec.sameText("OK", bytes("xOK"), 1, 2), UpstreamCodec.sameText("OK", bytes("OK"), 0, 2));
        assertNull(UpstreamCodec.sameText("OK", bytes("Ok"), 0, 2));
        assertEquals(200, UpstreamCodec.threeDigits(bytes("200"), 0, 3));
        assertEquals(-1, UpstreamCodec.threeDigits(bytes("2x0"), 0, 3));
        assertEquals(-1, UpstreamCodec.threeDigits(bytes("2000"), 0, 4));

        HttpResponse ok = (HttpResponse) first(exchange(HttpMethod.GET, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
        assertSame(HttpVersion.HTTP_1_1, ok.protocolVersion());
        assertSame(HttpResponseStatus.OK, ok.status());
        // an unusual reason phrase or code is kept as sent
        HttpResponse custom = (HttpResponse) first(exchange(HttpMethod.GET,
                "HTTP/1.0 200 Fine\r\nContent-Length: 0\r\n\r\n"));
        assertSame(HttpVersion.HTTP_1_0, custom.protocolVersion());
        assertEquals(200, custom.status().code());
        assertEquals("Fine", custom.status().reasonPhrase());
        HttpResponse odd = (HttpResponse) first(exchange(HttpMethod.GET,
                "HTTP/1.1 299 Whatever\r\nContent-Length: 0\r\n\r\n"));
        assertEquals(299, odd.status().code());
        assertEquals("Whatever", odd.status().reasonPhrase());
        HttpResponse bare = (HttpResponse) first(exchange(HttpMethod.GET, "HTTP/1.1 404 \r\nContent-Length: 0\r\n\r\n"));
        assertEquals(404, bare.status().code());
    }

    @Test
    public void onlyChunkedBodiesGetAMutableTrailerMap() {
        List<Object> fixed = exchange(HttpMethod.GET, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi");
        LastHttpContent fixedEnd = (LastHttpContent) fixed.get(fixed.size() - 1);
        assertTrue(fixedEnd.trailingHeaders().isEmpty());
        assertSame(EmptyHttpHeaders.INSTANCE, fixedEnd.trailingHeaders());
        assertEquals("hi", body(fixed));

        List<Object> chunked = exchange(HttpMethod.GET, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "2\r\nhi\r\n0\r\nX-Checksum: 42\r\nServer-Timing: db;dur=5\r\n\r\n");
        LastHttpContent chunkedEnd = (LastHttpContent) chunked.get(chunked.size() - 1);
        assertEquals("42", chunkedEnd.trailingHeaders().get("X-Checksum"));
        assertEquals("db;dur=5", chunkedEnd.trailingHeaders().get("Server-Timing"));
        assertEquals("hi", body(chunked));

        // and the next length-framed response on the connection is back to the shared empty map
        List<Object> again = exchange(HttpMethod.GET, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n!");
        assertSame(EmptyHttpHeaders.INSTANCE, ((LastHttpContent) again.get(again.size() - 1)).trailingHeaders());
        assertEquals("!", body(again));
    }

    @Test
    public void responseToHeadHasNoBodyWhateverItsHeadersSay() {
        List<Object> head = exchange(HttpMethod.HEAD, "HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n");
        assertEquals(2, head.size());
        assertEquals(5000, Long.parseLong(((HttpResponse) head.get(0)).headers().get("Content-Length")));
        assertEquals(LastHttpContent.EMPTY_LAST_CONTENT, head.get(1));

        // the next exchange on the connection is framed normally
        List<Object> get = exchange(HttpMethod.GET, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi");
        assertEquals("hi", body(get));
        assertTrue(get.get(get.size() - 1) instanceof LastHttpContent);
    }

    @Test
    public void chunkedResponseToHeadHasNoBodyEither() {
        List<Object> head = exchange(HttpMethod.HEAD, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
        assertEquals(LastHttpContent.EMPTY_LAST_CONTENT, head.get(head.size() - 1));
        assertEquals("hi", body(exchange(HttpMethod.GET,
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n")));
    }

    @Test
    public void informationalResponsesDoNotConsumeTheRequestMethod() {
        List<Object> out = exchange(HttpMethod.HEAD, "HTTP/1.1 100 Continue\r\n\r\n"
                + "HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n"
                + "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n");
        List<Integer> statuses = new ArrayList<>();
        for (Object o : out) {
            if (o instanceof HttpResponse) {
                statuses.add(((HttpResponse) o).status().code());
            }
        }
        assertEquals(List.of(100, 103, 200), statuses);
        assertEquals(LastHttpContent.EMPTY_LAST_CONTENT, out.get(out.size() - 1));
        assertEquals("", body(out));
    }

    @Test
    public void noContentAndNotModifiedHaveNoBody() {
        for (String status : new String[] {"204 No Content", "304 Not Modified"}) {
            List<Object> out = exchange(HttpMethod.GET, "HTTP/1.1 " + status + "\r\nContent-Length: 7\r\n\r\n");
            assertEquals(status, LastHttpContent.EMPTY_LAST_CONTENT, out.get(out.size() - 1));
        }
    }

    @Test
    public void successfulConnectHasNoBody() {
        List<Object> out = exchange(HttpMethod.CONNECT, "HTTP/1.1 200 Connection Established\r\n\r\n");
        assertEquals(LastHttpContent.EMPTY_LAST_CONTENT, out.get(out.size() - 1));
    }

    @Test
    public void bodyWithoutLengthEndsWhenTheConnectionCloses() {
        List<Object> out = exchange(HttpMethod.GET, "HTTP/1.1 200 OK\r\n\r\nuntil close");
        assertFalse(out.get(out.size() - 1) instanceof LastHttpContent);
        assertTrue(ch.finish());
        Object last;
        while ((last = ch.readInbound()) != null) {
            out.add(last);
        }
        assertEquals("until close", body(out));
        assertTrue(out.get(out.size() - 1) instanceof LastHttpContent);
    }

    @Test
    public void requestIsEncodedUnchanged() {
        DefaultFullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/p?q=1",
                Unpooled.copiedBuffer("abc", StandardCharsets.US_ASCII));
        req.headers().set("Host", "h").set("Content-Length", 3);
        assertTrue(ch.writeOutbound(req));
        assertEquals("POST /p?q=1 HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc", outbound());
    }

    /** Writes a request with {@code method}, then decodes {@code response}; returns what the decoder made. */
    private List<Object> exchange(HttpMethod method, String response) {
        ch.writeOutbound(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, "/"));
        outbound();
        ch.writeInbound(Unpooled.copiedBuffer(response, StandardCharsets.US_ASCII));
        List<Object> out = new ArrayList<>();
        Object o;
        while ((o = ch.readInbound()) != null) {
            out.add(o);
            if (o instanceof HttpResponse) {
                assertFalse(((HttpResponse) o).decoderResult().isFailure());
            }
        }
        assertFalse("nothing decoded", out.isEmpty());
        return out;
    }

    private static Object first(List<Object> out) {
        body(out);
        return out.get(0);
    }

    private String outbound() {
        StringBuilder sb = new StringBuilder();
        Object o;
        while ((o = ch.readOutbound()) != null) {
            sb.append(((ByteBuf) o).toString(StandardCharsets.US_ASCII));
            ReferenceCountUtil.release(o);
        }
        return sb.toString();
    }

    /** Concatenates the body pieces and releases them. */
    private static String body(List<Object> out) {
        StringBuilder sb = new StringBuilder();
        for (Object o : out) {
            if (o instanceof HttpContent) {
                sb.append(((HttpContent) o).content().toString(StandardCharsets.US_ASCII));
                ReferenceCountUtil.release(o);
            }
        }
        return sb.toString();
    }

    /** The header names of the response in {@code out}, in order; releases the body. */
    private static List<CharSequence> names(List<Object> out) {
        List<CharSequence> names = new ArrayList<>();
        Iterator<Map.Entry<CharSequence, CharSequence>> it =
                ((HttpResponse) out.get(0)).headers().iteratorCharSequence();
        while (it.hasNext()) {
            names.add(it.next().getKey());
        }
        body(out);
        return names;
    }

    private static List<String> strings(List<CharSequence> names) {
        List<String> s = new ArrayList<>();
        for (CharSequence n : names) {
            assertTrue(n instanceof AsciiString);
            s.add(n.toString());
        }
        return s;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
