package io.gatehouse.dataplane.internal.http;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;

import io.gatehouse.api.plugin.UpstreamTls;
import java.nio.file.Path;
import java.util.concurrent.CompletionException;
import javax.net.ssl.SSLException;
import org.junit.Test;

/** Pool keys keep plain and HTTPS connections (and different TLS settings) apart; contexts are built once. */
public class UpstreamTlsContextsTest {

    @Test
    public void plainAndTlsConnectionsNeverShareAPoolKey() {
        UpstreamTlsContexts contexts = new UpstreamTlsContexts();
        UpstreamTls jdk = UpstreamTls.DEFAULT;
        UpstreamTls other = new UpstreamTls(null, true, "api.internal");
        assertEquals("plain: the host itself", "h", contexts.poolKey("h", null));
        assertNotEquals("h", contexts.poolKey("h", jdk));
        assertNotEquals(contexts.poolKey("h", jdk), contexts.poolKey("h", other));
        assertNotEquals(contexts.poolKey("h", jdk), contexts.poolKey("g", jdk));
        assertSame("made once, then reused: no allocation per request", contexts.poolKey("h", jdk),
                contexts.poolKey("h", new UpstreamTls(null, true, null)));
    }

    @Test
    public void aContextIsBuiltOnceAndAMissingTrustFileIsReported() throws Exception {
        UpstreamTlsContexts contexts = new UpstreamTlsContexts();
        assertNull("nothing before the first build", contexts.cached(UpstreamTls.DEFAULT));
        var built = contexts.context(UpstreamTls.DEFAULT).join();
        assertSame(built, contexts.cached(UpstreamTls.DEFAULT));
        assertSame("fresh: the same context", built, contexts.context(UpstreamTls.DEFAULT).join());
        UpstreamTls missing = UpstreamTls.trusting(Path.of("/nonexistent/ca.pem"));
        try {
            contexts.context(missing).join();
        } catch (CompletionException e) {
            assertTrue(String.valueOf(e.getCause()), e.getCause() instanceof SSLException
                    && e.getCause().getMessage().contains("/nonexistent/ca.pem"));
            assertNull("a failure is not kept", contexts.cached(missing));
            return;
        }
        throw new AssertionError("a missing trust file was accepted");
    }
}
