package io.gatehouse.dataplane.internal.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpVersion;
import java.util.ArrayDeque;
import java.util.List;

/**
 * HTTP/1.1 server codec. Like Netty's {@code HttpServerCodec} (it pairs responses with request methods so
 * HEAD responses carry no body), plus one check Netty's decoder does not make: it silently unfolds
 * obsolete line folding, which lets a folded header be read differently by the gateway and an upstream.
 * Header lines are scanned before the decoder parses them, only inside the header block, and the scan
 * resumes correctly when a header block spans several reads (the decoder consumes whole lines only, so
 * each call starts at a line start).
 */
final class ServerCodec extends CombinedChannelDuplexHandler<HttpRequestDecoder, HttpResponseEncoder>
        implements HttpServerUpgradeHandler.SourceCodec {

    private final ArrayDeque<HttpMethod> methods = new ArrayDeque<>(4);

    ServerCodec(HttpDecoderConfig config) {
        init(new Decoder(config), new Encoder());
    }

    /** Whether the decoder holds bytes of a request it has not decoded yet (a head that has begun). */
    boolean hasPartialInput() {
        return ((Decoder) inboundHandler()).buffered() > 0;
    }

    @Override
    public void upgradeFrom(ChannelHandlerContext ctx) {
        ctx.pipeline().remove(this);
    }

    private static final byte SP = ' ';
    private static final byte HT = '\t';
    private static final byte CR = '\r';
    private static final byte LF = '\n';

    /** Scan results. */
    private static final int NEED_MORE = 0;
    private static final int END = 1;
    private static final int FOLD = 2;

    /**
     * Scans header lines from {@code from} (a line start) up to the end of the header block or of the
     * readable bytes.
     */
    static int scanHeaderLines(ByteBuf buf, int from, int to) {
        int i = from;
        while (i < to) {
            byte b = buf.getByte(i);
            if (b == SP || b == HT) {
                return FOLD;
            }
            if (b == LF || b == CR && (i + 1 >= to || buf.getByte(i + 1) == LF)) {
                return i + 1 >= to && b == CR ? NEED_MORE : END;
            }
            int lf = buf.indexOf(i, to, LF);
            if (lf < 0) {
                return NEED_MORE;
            }
            i = lf + 1;
        }
        return NEED_MORE;
    }

    private final class Decoder extends HttpRequestDecoder {
        private final int scanLimit;
        private ByteBuf current;
        private boolean inHeaders;
        private boolean rejected;

        Decoder(HttpDecoderConfig config) {
            super(config);
            this.scanLimit = config.getMaxHeaderSize() + 2;
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out) throws Exception {
            if (rejected) {
                buffer.skipBytes(buffer.readableBytes());
                return;
            }
            if (inHeaders && scan(buffer) == FOLD) {
                reject(buffer, out);
                return;
            }
            int oldSize = out.size();
            current = buffer;
            try {
                super.decode(ctx, buffer, out);
            } finally {
                current = null;
            }
            for (int i = oldSize, n = out.size(); i < n; i++) {
                Object obj = out.get(i);
                if (obj instanceof HttpRequest) {
                    inHeaders = false;
                    methods.add(((HttpRequest) obj).method());
                }
            }
        }

        int buffered() {
            return actualReadableBytes();
        }

        private int scan(ByteBuf buffer) {
            int from = buffer.readerIndex();
            int to = (int) Math.min(buffer.writerIndex(), (long) from + scanLimit);
            int result = scanHeaderLines(buffer, from, to);
            if (result == END) {
                inHeaders = false;
            }
            return result;
        }

        private void reject(ByteBuf buffer, List<Object> out) {
            rejected = true;
            inHeaders = false;
            buffer.skipBytes(buffer.readableBytes());
            DefaultFullHttpRequest bad = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET,
                    "/bad-request", Unpooled.EMPTY_BUFFER);
            bad.setDecoderResult(DecoderResult.failure(new ObsFoldException()));
            methods.add(HttpMethod.GET);
            out.add(bad);
        }

        @Override
        protected HttpMessage createMessage(String[] initialLine) throws Exception {
            initialLine[2] = version(initialLine[2]);
            HttpMessage message = super.createMessage(initialLine);
            inHeaders = true;
            ByteBuf buffer = current;
            if (buffer != null && scan(buffer) == FOLD) {
                throw new ObsFoldException();
            }
            return message;
        }
    }

    /**
     * Checks the HTTP-version of a request line, which Netty would accept in any case and with any protocol
     * name: {@code HTTP/1.0} and {@code HTTP/1.1} pass; a later 1.x is read as 1.1 (RFC 9110 6.2); another
     * major version is 505; anything else (lower case, more digits) is malformed (400).
     */
    static String version(String v) {
        if (v.length() != 8 || !v.startsWith("HTTP/") || v.charAt(6) != '.' || !digit(v.charAt(5))
                || !digit(v.charAt(7))) {
            throw new HeadRejectedException(400, "bad_request", "malformed HTTP version (expected HTTP/1.1)");
        }
        if (v.charAt(5) != '1') {
            throw new HeadRejectedException(505, "http_version_not_supported", "HTTP/" + v.substring(5)
                    + " is not supported: use HTTP/1.1, HTTP/1.0 or h2c");
        }
        return v.charAt(7) > '1' ? "HTTP/1.1" : v;
    }

    private static boolean digit(char c) {
        return c >= '0' && c <= '9';
    }

    private final class Encoder extends HttpResponseEncoder {
        @Override
        protected boolean isContentAlwaysEmpty(HttpResponse msg) {
            if (msg.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
                return super.isContentAlwaysEmpty(msg);
            }
            HttpMethod method = methods.poll();
            return HttpMethod.HEAD.equals(method) || super.isContentAlwaysEmpty(msg);
        }
    }
}
