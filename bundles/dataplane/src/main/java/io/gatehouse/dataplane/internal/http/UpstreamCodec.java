package io.gatehouse.dataplane.internal.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import java.util.Arrays;
import java.util.Locale;

/**
 * HTTP/1.1 codec of an upstream connection, in place of Netty's {@code HttpClientCodec}, because:
 * <ul>
 * <li>Netty's response decoder copies every header name into a new {@code AsciiString}, and the words of
 * the status line into new strings; for a small response these copies were most of what a proxy allocates
 * per request. Header names upstreams send on almost every response, the HTTP version, common status
 * codes and their standard reason phrases are returned as shared constants here, like Netty's request
 * decoder does for a few request headers and methods. A constant is returned only when the bytes are
 * exactly its spelling (header names: canonical or lower case), so what the client gets is what the
 * upstream wrote.</li>
 * <li>A response body framed by length or by the close of the connection cannot carry trailers, yet
 * Netty gives its last piece an empty, mutable trailer map; such pieces get the shared read-only empty
 * map. Chunked responses, the only ones with trailers, still get a real one.</li>
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

    /** Status codes given as shared strings (the status line's second word is only parsed as a number). */
    private static final int[] COMMON_CODES = {
        100, 101, 103, 200, 201, 202, 204, 206, 301, 302, 303, 304, 307, 308, 400, 401, 403, 404, 405, 408, 409,
        410, 411, 412, 413, 414, 415, 416, 422, 425, 429, 431, 500, 501, 502, 503, 504
    };
    private static final String[] CODE_STRINGS = codeStrings();

    private HttpMethod inFlight;
    private boolean transferCoded;

    UpstreamCodec(HttpDecoderConfig config) {
        init(new Decoder(config.clone().setTrailersFactory(new Trailers(config.getTrailersFactory()))),
                new Encoder());
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

    private static String[] codeStrings() {
        String[] strings = new String[600];
        for (int code : COMMON_CODES) {
            strings[code] = Integer.toString(code);
        }
        return strings;
    }

    /** The value of a three-digit status code, or -1. */
    static int threeDigits(byte[] sb, int start, int length) {
        if (length != 3) {
            return -1;
        }
        int code = 0;
        for (int i = start; i < start + 3; i++) {
            int digit = sb[i] - '0';
            if (digit < 0 || digit > 9) {
                return -1;
            }
            code = code * 10 + digit;
        }
        return code;
    }

    /** {@code text} when the bytes are exactly its characters, else null. */
    static String sameText(String text, byte[] sb, int start, int length) {
        if (text.length() != length) {
            return null;
        }
        for (int i = 0; i < length; i++) {
            if (text.charAt(i) != sb[start + i]) {
                return null;
            }
        }
        return text;
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
        private HttpResponseStatus status;

        Decoder(HttpDecoderConfig config) {
            super(config);
        }

        @Override
        protected String splitFirstWordInitialLine(byte[] sb, int start, int length) {
            String version = sameText(HttpVersion.HTTP_1_1.text(), sb, start, length);
            if (version == null) {
                version = sameText(HttpVersion.HTTP_1_0.text(), sb, start, length);
            }
            return version != null ? version : super.splitFirstWordInitialLine(sb, start, length);
        }

        @Override
        protected String splitSecondWordInitialLine(byte[] sb, int start, int length) {
            int code = threeDigits(sb, start, length);
            String shared = code >= 0 && code < CODE_STRINGS.length ? CODE_STRINGS[code] : null;
            // the words are split in order: the reason phrase that follows is compared with this status's
            status = shared != null ? HttpResponseStatus.valueOf(code) : null;
            return shared != null ? shared : super.splitSecondWordInitialLine(sb, start, length);
        }

        @Override
        protected String splitThirdWordInitialLine(byte[] sb, int start, int length) {
            String reason = status == null ? null : sameText(status.reasonPhrase(), sb, start, length);
            return reason != null ? reason : super.splitThirdWordInitialLine(sb, start, length);
        }

        @Override
        protected AsciiString splitHeaderName(byte[] sb, int start, int length) {
            AsciiString shared = sharedName(sb, start, length);
            return shared != null ? shared : super.splitHeaderName(sb, start, length);
        }

        @Override
        protected boolean isContentAlwaysEmpty(HttpMessage msg) {
            HttpResponse response = (HttpResponse) msg;
            // called for every head once its fields are read, before any body piece is made
            transferCoded = response.headers().contains(HttpHeaderNames.TRANSFER_ENCODING);
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

    /** Trailer maps: a real one only for a transfer-coded (chunked) body, which is the only kind with trailers. */
    private final class Trailers implements HttpHeadersFactory {
        private final HttpHeadersFactory real;

        Trailers(HttpHeadersFactory real) {
            this.real = real;
        }

        @Override
        public HttpHeaders newHeaders() {
            return transferCoded ? real.newHeaders() : EmptyHttpHeaders.INSTANCE;
        }

        @Override
        public HttpHeaders newEmptyHeaders() {
            return transferCoded ? real.newEmptyHeaders() : EmptyHttpHeaders.INSTANCE;
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
