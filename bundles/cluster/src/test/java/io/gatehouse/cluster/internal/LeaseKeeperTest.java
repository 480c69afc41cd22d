package io.gatehouse.cluster.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.ArgumentMatchers.isNull;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.After;
import org.junit.Test;

/** LeaseKeeper rounds against a mocked register and a fake monotonic clock. */
public class LeaseKeeperTest {
    private static final long MS = 1_000_000;
    private final AtomicLong now = new AtomicLong();
    private final CpRegister register = mock(CpRegister.class);
    private final ScheduledThreadPoolExecutor thread = new ScheduledThreadPoolExecutor(1);
    private final LeaseKeeper keeper = new LeaseKeeper("n1", register, Duration.ofMillis(200), Duration.ofMillis(800),
            Duration.ofMillis(1000), now::get, () -> true, (kind, detail) -> { }, thread);

    @After
    public void tearDown() {
        thread.shutdownNow();
    }

    /**
     * A renew with no answer in time, then a step-down: the register later shows that renew. It belonged to the
     * leadership that ended; it is not a late takeover (which would lead again with a stale epoch, 0 here, as
     * LeaseGroupTest saw), and the vacant register is taken with a new epoch.
     */
    @Test
    public void aRenewConfirmedAfterTheStepDownIsNotALateTakeover() {
        when(register.get(any())).thenReturn(CompletableFuture.completedFuture(null));
        when(register.compareAndSet(isNull(), eq("n1|1|0"), any())).thenReturn(CompletableFuture.completedFuture(true));
        keeper.tick();
        assertEquals(OptionalLong.of(1), keeper.leadingEpoch());

        now.set(200 * MS);
        when(register.compareAndSet(eq("n1|1|0"), eq("n1|1|1"), any()))
                .thenReturn(CompletableFuture.failedFuture(new TimeoutException("no answer")));
        keeper.tick();

        // no renew confirmed for lease.stepDown: steps down; the register shows the renew that got no answer
        now.set(900 * MS);
        when(register.get(any())).thenReturn(CompletableFuture.completedFuture("n1|1|1"));
        when(register.compareAndSet(eq("n1|1|1"), eq("n1|2|0"), any()))
                .thenReturn(CompletableFuture.completedFuture(true));
        keeper.tick();
        OptionalLong led = keeper.leadingEpoch();
        assertTrue("leads with " + led, led.isPresent());
        assertEquals(2, led.getAsLong());
        assertEquals(2, keeper.highestEpoch());
    }
}
