package io.gatehouse.dataplane.internal.http;

import static org.awaitility.Awaitility.await;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.time.Duration;
import org.junit.Test;

/** Proves the leak rule is armed: a buffer dropped without release is reported and fails the check. */
public class LeakDetectionTest {
    static {
        LeakDetection.install();
    }

    @Test
    public void aDroppedBufferIsReportedAsALeak() {
        assertTrue("paranoid leak detection must be active", LeakDetection.active());
        LeakDetection.assertNoLeaks();
        leakOne();
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            System.gc();
            ByteBuf probe = PooledByteBufAllocator.DEFAULT.directBuffer(8);
            probe.release();
            return LeakDetection.pending() > 0;
        });
        try {
            LeakDetection.assertNoLeaks();
            fail("the leak must fail the check");
        } catch (AssertionError expected) {
            assertTrue(expected.getMessage().contains("LEAK"));
        }
        LeakDetection.assertNoLeaks();
    }

    private static void leakOne() {
        ByteBuf leaked = PooledByteBufAllocator.DEFAULT.directBuffer(64);
        leaked.writeLong(42);
    }
}
