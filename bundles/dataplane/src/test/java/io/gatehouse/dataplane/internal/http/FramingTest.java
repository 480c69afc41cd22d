package io.gatehouse.dataplane.internal.http;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.gatehouse.dataplane.ListenerSettings;
import java.time.Duration;
import org.junit.After;
import org.junit.Test;

/** Requests with ambiguous or oversized framing are answered by the gateway and never reach the upstream. */
public class FramingTest extends DataPlaneTestSupport {

    @Override
    protected ListenerSettings settings() {
        return settings("framing", 8192, 16384, 1000, Duration.ofSeconds(30), true, true, "gatehouse");
    }

    @After
    public void upstreamSawNothing() {
        assertEquals("no request may reach the upstream", 0, upstream.requests.size());
    }

    private RawClient.Response rejected(String request, int status) throws Exception {
        int port = listener == null ? bind(proxy()) : listener.localAddress().getPort();
        try (RawClient c = new RawClient(port)) {
            RawClient.Response r = c.send(request).read();
            assertEquals(request.replace("\r\n", "|"), status, r.status());
            assertEquals("close", r.header("Connection"));
            assertEquals("application/json", r.header("Content-Type"));
            assertTrue(r.text(), r.text().startsWith("{\"status\":" + status + ","));
            assertTrue("the connection must be closed", c.closedByServer());
            return r;
        }
    }

    @Test
    public void contentLengthWithTransferEncodingIs400() throws Exception {
        rejected("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5\r\nhello\r\n0\r\n\r\n", 400);
        rejected("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\nContent-Length: 5\r\n\r\nhello", 400);
    }

    @Test
    public void conflictingContentLengthsAre400() throws Exception {
        rejected("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", 400);
        rejected("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 6\r\n\r\nhello!", 400);
        rejected("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello", 400);
    }

    @Test
    public void obsFoldIs400() throws Exception {
        rejected("GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n folded: yes\r\n\r\n", 400);
        rejected("GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n\tContent-Length: 5\r\n\r\n", 400);
    }

    @Test
    public void unsupportedTransferCodingsAreRefused() throws Exception {
        rejected("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501);
        rejected("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400);
        rejected("POST / HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400);
    }

    @Test
    public void missingOrDoubleHostIs400() throws Exception {
        rejected("GET / HTTP/1.1\r\n\r\n", 400);
        rejected("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400);
    }

    @Test
    public void connectAndForeignVersionsAreRefused() throws Exception {
        rejected("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", 405);
        rejected("GET / HTTP/3.0\r\nHost: x\r\n\r\n", 505);
    }

    @Test
    public void declaredBodyOverTheLimitIs413WithoutReadingIt() throws Exception {
        rejected("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n", 413);
    }

    @Test
    public void chunkedBodyOverTheLimitIs413() throws Exception {
        String chunk = "x".repeat(600);
        rejected("POST /sha HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n258\r\n" + chunk + "\r\n258\r\n"
                + chunk + "\r\n0\r\n\r\n", 413);
    }

    @Test
    public void tooLongRequestLineIs414() throws Exception {
        rejected("GET /" + "a".repeat(9000) + " HTTP/1.1\r\nHost: x\r\n\r\n", 414);
    }

    @Test
    public void tooLargeHeaderBlockIs431() throws Exception {
        rejected("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(17000) + "\r\n\r\n", 431);
    }
}
