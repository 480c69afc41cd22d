package io.gatehouse.dataplane.internal.http;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.util.List;
import java.util.Set;
import org.junit.Test;

/** The plugin views over Netty objects: headers, request target parts, host, sealing. */
public class ViewsTest {

    private static NettyRequest request(String uri, String host) {
        DefaultHttpRequest head = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri);
        if (host != null) {
            head.headers().set("Host", host);
        }
        return new NettyRequest(head, "HTTP/1.1", 0);
    }

    @Test
    public void requestTargetPartsAreRaw() {
        NettyRequest r = request("/a%2Fb;x=1?q=%20&y", "example.com:8080");
        assertEquals("/a%2Fb;x=1", r.path());
        assertEquals("q=%20&y", r.query());
        assertEquals("example.com", r.host());
        assertNull(request("/p", null).query());
        assertEquals("[::1]", request("/", "[::1]:80").host());
        assertNull(request("/", null).host());
        assertFalse(r.hasBody());
    }

    @Test
    public void headersAreAViewAndSealWithTheRequest() {
        NettyRequest r = request("/", "h");
        r.headers().add("X-A", "1").add("x-a", "2").set("X-B", "b");
        HttpHeaders netty = r.netty().headers();
        assertEquals(List.of("1", "2"), netty.getAll("X-A"));
        assertTrue(r.headers().contains("x-b", "B", true));
        assertFalse(r.headers().contains("x-b", "B", false));
        assertEquals(Set.of("Host", "X-A", "X-B"), r.headers().names());
        assertEquals(4, r.headers().size());
        r.uri("/new?x");
        assertEquals("/new?x", r.netty().uri());
        assertThrows(IllegalArgumentException.class, () -> r.uri("/a b"));
        r.seal();
        assertThrows(IllegalStateException.class, () -> r.headers().set("X-C", "c"));
        assertThrows(IllegalStateException.class, () -> r.method("POST"));
        assertEquals("h", r.headers().get("host"));
    }

    @Test
    public void gatewayResponseBodySetsContentLengthAndCommitSeals() {
        NettyResponse r = NettyResponse.gateway(201);
        r.body(new byte[] {1, 2, 3});
        assertEquals("3", r.headers().get("Content-Length"));
        assertFalse(r.fromUpstream());
        assertThrows(IllegalArgumentException.class, () -> r.status(99));
        r.markCommitted();
        assertTrue(r.committed());
        assertThrows(IllegalStateException.class, () -> r.status(200));
        assertThrows(IllegalStateException.class, () -> r.headers().add("X", "y"));
    }

    @Test
    public void aHeaderThatCouldSplitTheMessageIsRefusedOnGatewayResponsesAndRequests() {
        NettyResponse made = NettyResponse.gateway(200);
        NettyRequest req = request("/", "h");
        for (io.gatehouse.api.plugin.Headers h : List.of(made.headers(), req.headers())) {
            assertThrows(IllegalArgumentException.class, () -> h.set("X-Split", "a\r\nSet-Cookie: evil=1"));
            assertThrows(IllegalArgumentException.class, () -> h.add("X-Nul", "a\u0000b"));
            assertThrows(IllegalArgumentException.class, () -> h.add("Bad Name", "1"));
            assertThrows(IllegalArgumentException.class, () -> h.set("", "1"));
            h.set("X-Tab", "a\tb");
            assertEquals("a\tb", h.get("X-Tab"));
            assertNull(h.get("X-Split"));
        }
    }
}
