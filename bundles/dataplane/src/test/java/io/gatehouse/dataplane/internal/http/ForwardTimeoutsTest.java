package io.gatehouse.dataplane.internal.http;

import static org.junit.Assert.assertEquals;

import java.time.Duration;
import org.junit.Test;

/**
 * Any timeout a plugin may give a forward works: {@code readTimeout: 999999999h} used to overflow
 * {@code Duration.toNanos()} and fail every request on the route with 500.
 */
public class ForwardTimeoutsTest extends DataPlaneTestSupport {

    @Test
    public void timeoutsBeyondWhatNanosecondsHoldStillForward() throws Exception {
        int port = bind(proxy(f -> f.readTimeout(Duration.ofHours(999_999_999))
                .connectTimeout(Duration.ofSeconds(Long.MAX_VALUE))));
        try (RawClient c = new RawClient(port)) {
            RawClient.Response r = c.send("GET /x HTTP/1.1\r\nHost: h\r\n\r\n").read();
            assertEquals(r.text(), 200, r.status());
            assertEquals("ok", r.text());
        }
    }

    @Test
    public void timeoutsAreCappedAtTenYears() {
        assertEquals(Duration.ofDays(3650).toNanos(), Timeouts.nanos(Duration.ofSeconds(Long.MAX_VALUE)));
        assertEquals(Duration.ofMillis(300).toNanos(), Timeouts.nanos(Duration.ofMillis(300)));
        assertEquals(Duration.ofDays(3650).toMillis(), Timeouts.millis(Duration.ofHours(999_999_999)));
    }
}
