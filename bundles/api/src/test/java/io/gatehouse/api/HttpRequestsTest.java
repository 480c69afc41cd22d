package io.gatehouse.api;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;

import io.gatehouse.api.plugin.HttpRequests;
import org.junit.Test;

public class HttpRequestsTest {

    @Test
    public void hostDropsThePortAndKeepsIpv6Brackets() {
        assertEquals("example.com", HttpRequests.host("example.com:8080"));
        assertEquals("example.com", HttpRequests.host("example.com"));
        assertEquals("[::1]", HttpRequests.host("[::1]:80"));
        assertEquals("[::1]", HttpRequests.host("[::1]"));
        assertNull(HttpRequests.host(""));
        assertNull(HttpRequests.host(null));
    }

    @Test
    public void pathAndQuery() {
        assertEquals("/a/b", HttpRequests.path("/a/b?x=1&y"));
        assertEquals("x=1&y", HttpRequests.query("/a/b?x=1&y"));
        assertEquals("", HttpRequests.query("/a?"));
        assertNull(HttpRequests.query("/a"));
    }

    @Test
    public void targetsAndMethodsAreChecked() {
        assertEquals("/v2/items?q=%20", HttpRequests.checkTarget("/v2/items?q=%20"));
        assertEquals("the request target must be encoded: illegal character at 2",
                assertThrows(IllegalArgumentException.class, () -> HttpRequests.checkTarget("/a b")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> HttpRequests.checkTarget(""));
        assertEquals("PURGE", HttpRequests.checkMethod("PURGE"));
        assertEquals("the method must be an HTTP token: illegal character at 3",
                assertThrows(IllegalArgumentException.class, () -> HttpRequests.checkMethod("GET /")).getMessage());
    }
}
