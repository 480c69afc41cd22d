package io.gatehouse.dataplane.internal.http;

import static org.awaitility.Awaitility.await;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.time.Duration;
import org.junit.Test;

/**
 * Request bodies through the proxy: pipelined requests answered in order with intact bodies, and a chunked
 * body reaching the upstream piece by piece as the client sends it.
 */
public class PipelinedProxyTest extends DataPlaneTestSupport {

    @Test
    public void upstreamClosingRightAfterItsResponseDoesNotFailTheNextRequest() throws Exception {
        int port = bind(proxy());
        for (int i = 0; i < 20; i++) {
            try (RawClient c = new RawClient(port)) {
                c.send("GET /quickclose HTTP/1.1\r\nHost: h\r\n\r\nGET /after HTTP/1.1\r\nHost: h\r\n\r\n");
                assertEquals("bye", c.read().text());
                assertEquals("ok", c.read().text());
            }
        }
        assertEquals(40, upstream.requests.size());
    }

    @Test
    public void chunkedBodyIsForwardedAsItArrives() throws Exception {
        int port = bind(proxy());
        try (RawClient c = new RawClient(port)) {
            c.send("POST /sha HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
            await().atMost(Duration.ofSeconds(5)).until(() -> upstream.bodyBytesSeen.get() == 5);
            c.send("3\r\nabc\r\n");
            await().atMost(Duration.ofSeconds(5)).until(() -> upstream.bodyBytesSeen.get() == 8);
            RawClient.Response r = c.send("0\r\n\r\n").read();
            assertTrue(r.text(), r.text().endsWith(" 8"));
        }
        TestUpstream.Seen s = upstream.requests.poll();
        assertEquals("chunked", s.header("Transfer-Encoding"));
    }

    @Test
    public void pipelinedRequestsWithBodiesAreForwardedInOrder() throws Exception {
        int port = bind(proxy());
        try (RawClient c = new RawClient(port)) {
            c.send("POST /sha HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello"
                    + "GET /2 HTTP/1.1\r\nHost: h\r\n\r\n"
                    + "POST /sha HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
            RawClient.Response first = c.read();
            assertTrue(first.text(), first.text().startsWith("2cf24dba") && first.text().endsWith(" 5"));
            assertEquals("ok", c.read().text());
            RawClient.Response third = c.read();
            assertTrue(third.text(), third.text().startsWith("2cf24dba") && third.text().endsWith(" 5"));
        }
        assertEquals(3, upstream.requests.size());
    }
}
