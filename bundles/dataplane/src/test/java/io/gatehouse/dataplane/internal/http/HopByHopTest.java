package io.gatehouse.dataplane.internal.http;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;
import org.junit.Test;

/** {@link HopByHop}: the fixed hop-by-hop fields and those named in {@code Connection} are removed. */
public class HopByHopTest {

    @Test
    public void fixedFieldsAreRemovedWithoutConnection() {
        HttpHeaders h = new DefaultHttpHeaders().add("Keep-Alive", "timeout=5").add("TE", "trailers")
                .add("Transfer-Encoding", "chunked").add("Upgrade", "h2c").add("Proxy-Authorization", "x")
                .add("X-Kept", "1");
        HopByHop.strip(h);
        assertEquals(List.of("X-Kept"), List.copyOf(h.names()));
    }

    @Test
    public void fieldsNamedInConnectionAreRemoved() {
        HttpHeaders h = new DefaultHttpHeaders().add("Connection", "Keep-Alive ,X-Drop,\tx-other")
                .add("X-Drop", "1").add("X-Other", "2").add("X-Kept", "3");
        HopByHop.strip(h);
        assertEquals(List.of("X-Kept"), List.copyOf(h.names()));
    }

    @Test
    public void everyConnectionLineCounts() {
        HttpHeaders h = new DefaultHttpHeaders().add("Connection", "keep-alive").add("Connection", "close, X-Drop")
                .add("X-Drop", "1");
        HopByHop.strip(h);
        assertTrue(h.isEmpty());
    }
}
