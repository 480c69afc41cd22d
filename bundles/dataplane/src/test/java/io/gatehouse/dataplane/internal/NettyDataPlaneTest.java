package io.gatehouse.dataplane.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import io.gatehouse.dataplane.ListenerSettings;
import java.io.IOException;
import java.time.Duration;
import org.junit.Test;

public class NettyDataPlaneTest {

    private static NettyDataPlane.Config config(String transport, String idle) {
        NettyDataPlane.Config c = mock(NettyDataPlane.Config.class);
        when(c.eventLoops()).thenReturn(1);
        when(c.transport()).thenReturn(transport);
        when(c.blockingThreads()).thenReturn(2);
        when(c.blockingQueue()).thenReturn(8);
        when(c.upstreamMaxIdlePerServer()).thenReturn(4);
        when(c.upstreamIdleTimeout()).thenReturn(idle);
        when(c.drainTimeout()).thenReturn("1s");
        return c;
    }

    @Test
    public void activatesFromTheOsgiConfigurationAndStopsCleanly() throws Exception {
        NettyDataPlane dp = new NettyDataPlane(config("auto", "30s"));
        try {
            assertEquals(1, dp.eventLoops());
            assertTrue(dp.transport().equals("epoll") || dp.transport().equals("nio"));
            assertEquals(Duration.ofSeconds(30), dp.settings().upstreamIdleTimeout());
        } finally {
            dp.close();
        }
        assertThrows(IOException.class, () -> dp.bind(ListenerSettings.defaults("x", "127.0.0.1", 0),
                ex -> ex.end()));
    }

    @Test
    public void invalidConfigurationNamesTheProperty() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new NettyDataPlane(config("auto", "soon")));
        assertTrue(e.getMessage(), e.getMessage().startsWith("upstreamIdleTimeout"));
        e = assertThrows(IllegalArgumentException.class, () -> new NettyDataPlane(config("kqueue", "1s")));
        assertTrue(e.getMessage(), e.getMessage().startsWith("transport"));
        e = assertThrows(IllegalArgumentException.class,
                () -> DataPlaneSettings.defaults().withBlocking(0, 10));
        assertTrue(e.getMessage(), e.getMessage().startsWith("blockingThreads"));
    }
}
