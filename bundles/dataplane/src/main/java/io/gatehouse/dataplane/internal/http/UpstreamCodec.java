package io.gatehouse.dataplane.internal.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.util.AsciiString;
import java.util.Arrays;
import java.util.Locale;

/**
 * HTTP/1.1 codec of an upstream connection, in place of Netty's {@code HttpClientCodec}, for two reasons:
 * <ul>
 * <li>Netty's response decoder copies every header name into a new {@code AsciiString}; most of what a
 * proxy allocates per request was these copies. Names upstreams send on almost every response are
 * returned as shared constants here, like Netty's request decoder does for a few request headers. A
 * constant is returned only when the bytes are exactly its spelling (canonical or lower case), so the
 * name reaches the client as the upstream wrote it.</li>
 * <li>The response to HEAD has no body whatever its headers say, and a 2xx to CONNECT starts a tunnel,
 * so the decoder must know the request method. A connection carries one exchange at a time (the pool
 * lends it to one forward call), so the method of the request in flight is all it needs, not a queue.</li>
 * </ul>
 * Everything else (1xx responses before the final one, 204/304 framing, close-delimited bodies) is the
 * plain Netty decoder. A connection closed before the response is complete is the forward call's concern.
 */
final class UpstreamCodec extends CombinedChannelDuplexHandler<HttpResponseDecoder, HttpRequestEncoder> {

    /** Response header names returned as shared instances, in their canonical spelling. */
    private static final String[] COMMON_NAMES = {
        "Accept-Ranges", "Access-Control-Allow-Origin", "Age", "Cache-Control", "Connection", "Content-Encoding",
        "Content-Language", "Content-Length", "Content-Type", "Date", "ETag", "Expires", "Keep-Alive",
        "Last-Modified", "Location", "Pragma", "Server", "Set-Cookie", "Strict-Transport-Security",
        "Transfer-Encoding", "Vary", "Via", "X-Content-Type-Options", "X-Frame-Options", "X-Powered-By",
        "X-Request-Id"
    };

    /** Shared names by length: both spellings of every name of that length. */
    private static final AsciiString[][] NAMES_BY_LENGTH = namesByLength();

    private HttpMethod inFlight;

    UpstreamCodec(HttpDecoderConfig config) {
        init(new Decoder(config), new Encoder());
    }

    private static AsciiString[][] namesByLength() {
        int max = 0;
        for (String n : COMMON_NAMES) {
            max = Math.max(max, n.length());
        }
        AsciiString[][] table = new AsciiString[max + 1][];
        for (String n : COMMON_NAMES) {
            AsciiString[] old = table[n.length()];
            int size = old == null ? 0 : old.length;
            AsciiString[] grown = old == null ? new AsciiString[2] : Arrays.copyOf(old, size + 2);
            grown[size] = AsciiString.cached(n);
            grown[size + 1] = AsciiString.cached(n.toLowerCase(Locale.ROOT));
            table[n.length()] = grown;
        }
        return table;
    }

    /** The shared instance whose bytes are exactly {@code sb[start, start + length)}, or null. */
    static AsciiString sharedName(byte[] sb, int start, int length) {
        if (length >= NAMES_BY_LENGTH.length) {
            return null;
        }
        AsciiString[] candidates = NAMES_BY_LENGTH[length];
        if (candidates == null) {
            return null;
        }
        for (AsciiString c : candidates) {
            if (sameBytes(c, sb, start, length)) {
                return c;
            }
        }
        return null;
    }

    private static boolean sameBytes(AsciiString name, byte[] sb, int start, int length) {
        byte[] a = name.array();
        int offset = name.arrayOffset();
        for (int i = 0; i < length; i++) {
            if (a[offset + i] != sb[start + i]) {
                return false;
            }
        }
        return true;
    }

    private final class Decoder extends HttpResponseDecoder {
        Decoder(HttpDecoderConfig config) {
            super(config);
        }

        @Override
        protected AsciiString splitHeaderName(byte[] sb, int start, int length) {
            AsciiString shared = sharedName(sb, start, length);
            return shared != null ? shared : super.splitHeaderName(sb, start, length);
        }

        @Override
        protected boolean isContentAlwaysEmpty(HttpMessage msg) {
            HttpResponse response = (HttpResponse) msg;
            if (response.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
                // 1xx responses come before the final one and do not answer the request
                return super.isContentAlwaysEmpty(msg);
            }
            HttpMethod method = inFlight;
            inFlight = null;
            if (HttpMethod.HEAD.equals(method)) {
                return true;
            }
            if (HttpMethod.CONNECT.equals(method) && response.status().codeClass() == HttpStatusClass.SUCCESS) {
                return true;
            }
            return super.isContentAlwaysEmpty(msg);
        }
    }

    private final class Encoder extends HttpRequestEncoder {
        @Override
        protected void encodeInitialLine(ByteBuf buf, HttpRequest request) throws Exception {
            inFlight = request.method();
            super.encodeInitialLine(buf, request);
        }
    }
}
