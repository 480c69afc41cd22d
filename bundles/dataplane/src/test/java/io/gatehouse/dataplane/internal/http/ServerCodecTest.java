package io.gatehouse.dataplane.internal.http;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import org.junit.After;
import org.junit.Test;

/** The obs-fold check of {@link ServerCodec}, fed in two pieces split at every possible byte. */
public class ServerCodecTest {
    static {
        LeakDetection.install();
    }

    private static final String FOLDED = "GET /a HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n folded\r\nX-B: 2\r\n\r\n";
    private static final String TAB_FOLDED = "GET /a HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n\tfolded\r\n\r\n";
    private static final String FIRST_LINE_WS = "GET /a HTTP/1.1\r\n Host: x\r\n\r\n";
    private static final String CLEAN = "POST /a HTTP/1.1\r\nHost: x\r\nX-A: 1 2\r\nContent-Length: 7\r\n\r\n"
            + "a\r\n b\r\n";

    @After
    public void noLeaks() {
        LeakDetection.assertNoLeaks();
    }

    @Test
    public void foldedHeaderIsRejectedWhereverTheReadIsSplit() {
        for (String req : new String[] {FOLDED, TAB_FOLDED, FIRST_LINE_WS}) {
            byte[] bytes = req.getBytes(StandardCharsets.US_ASCII);
            for (int split = 0; split <= bytes.length; split++) {
                HttpRequest r = decode(bytes, split);
                assertTrue("split at " + split + " of " + req.replace("\r\n", "|"), r.decoderResult().isFailure());
                assertTrue(r.decoderResult().cause() instanceof ObsFoldException);
            }
        }
    }

    @Test
    public void whitespaceInTheBodyOrInsideValuesIsNotFolding() {
        byte[] bytes = CLEAN.getBytes(StandardCharsets.US_ASCII);
        for (int split = 0; split <= bytes.length; split++) {
            HttpRequest r = decode(bytes, split);
            assertFalse("split at " + split, r.decoderResult().isFailure());
            assertEquals("1 2", r.headers().get("X-A"));
        }
    }

    @Test
    public void secondRequestOnTheConnectionIsScannedToo() {
        EmbeddedChannel ch = new EmbeddedChannel(new ServerCodec(new HttpDecoderConfig()));
        ch.writeInbound(Unpooled.copiedBuffer("GET /1 HTTP/1.1\r\nHost: x\r\n\r\n" + FOLDED, StandardCharsets.US_ASCII));
        HttpRequest first = ch.readInbound();
        assertFalse(first.decoderResult().isFailure());
        ReferenceCountUtil.release(ch.readInbound());
        HttpRequest second = ch.readInbound();
        assertTrue(second.decoderResult().cause() instanceof ObsFoldException);
        drain(ch);
        ch.finishAndReleaseAll();
    }

    private static HttpRequest decode(byte[] bytes, int split) {
        EmbeddedChannel ch = new EmbeddedChannel(new ServerCodec(new HttpDecoderConfig()));
        ch.writeInbound(Unpooled.wrappedBuffer(bytes, 0, split));
        ch.writeInbound(Unpooled.wrappedBuffer(bytes, split, bytes.length - split));
        HttpRequest r = ch.readInbound();
        drain(ch);
        ch.finishAndReleaseAll();
        return r;
    }

    private static void drain(EmbeddedChannel ch) {
        Object o;
        while ((o = ch.readInbound()) != null) {
            ReferenceCountUtil.release(o);
        }
    }
}
