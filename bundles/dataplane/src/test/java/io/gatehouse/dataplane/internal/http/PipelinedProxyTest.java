package io.gatehouse.dataplane.internal.http;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import org.junit.Test;

/** Pipelined requests with bodies through the proxy: answered in order, bodies reach the upstream intact. */
public class PipelinedProxyTest extends DataPlaneTestSupport {

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
        assertEquals(1, upstream.connections.get());
    }
}
