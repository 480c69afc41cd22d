package io.gatehouse.core.internal.config;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.Test;

public class BindRetryTest {
    private static final BindRetry.Scheduler NONE = (delay, task) -> () -> { };

    private static BindRetry retry(double jitter) {
        return new BindRetry(NONE, Duration.ofSeconds(1), Duration.ofSeconds(30), () -> jitter);
    }

    @Test
    public void delaysDoubleFromTheInitialOneUpToTheMaximum() {
        List<Long> seconds = new ArrayList<>();
        for (int failures = 1; failures <= 8; failures++) {
            seconds.add(retry(1.0).delay(failures).toSeconds());
        }
        assertEquals(List.of(1L, 2L, 4L, 8L, 16L, 30L, 30L, 30L), seconds);
        assertEquals(Duration.ofSeconds(30), retry(1.0).delay(Integer.MAX_VALUE));
    }

    @Test
    public void jitterSpreadsEachDelayButNeverPastTheMaximum() {
        assertEquals(Duration.ofMillis(3200), retry(0.8).delay(3));
        assertEquals(Duration.ofMillis(4800), retry(1.2).delay(3));
        assertEquals(Duration.ofSeconds(30), retry(1.2).delay(6));
        assertEquals(Duration.ofSeconds(24), retry(0.8).delay(6));

        BindRetry random = new BindRetry(NONE, Duration.ofSeconds(1), Duration.ofSeconds(30), BindRetry::randomJitter);
        Set<Long> seen = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            long ms = random.delay(3).toMillis();
            assertTrue(ms + " ms", ms >= 3200 && ms <= 4800);
            seen.add(ms);
        }
        assertTrue("the delays are spread: " + seen.size() + " distinct values", seen.size() > 20);
    }

    @Test
    public void delaysMustBePositiveAndOrdered() {
        assertThrows(IllegalArgumentException.class,
                () -> new BindRetry(NONE, Duration.ZERO, Duration.ofSeconds(1), () -> 1.0));
        assertThrows(IllegalArgumentException.class,
                () -> new BindRetry(NONE, Duration.ofSeconds(2), Duration.ofSeconds(1), () -> 1.0));
    }
}
