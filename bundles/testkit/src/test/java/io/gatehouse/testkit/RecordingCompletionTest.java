package io.gatehouse.testkit;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.Test;

public class RecordingCompletionTest {

    @Test
    public void recordsTheResult() {
        RecordingCompletion done = new RecordingCompletion();
        assertFalse(done.done());
        assertNull(done.result());
        assertEquals(0, done.count());
        done.complete("noServer");
        assertTrue(done.done());
        assertEquals("noServer", done.result());
        assertNull(done.failure());
        assertEquals(1, done.count());
    }

    @Test
    public void recordsTheFailure() {
        RecordingCompletion done = new RecordingCompletion();
        IllegalStateException boom = new IllegalStateException("boom");
        done.fail(boom);
        assertTrue(done.done());
        assertSame(boom, done.failure());
        assertNull(done.result());
    }

    @Test
    public void aSecondCompletionIsRefusedAndCountedButChangesNothing() {
        RecordingCompletion done = new RecordingCompletion();
        done.complete("");
        IllegalStateException second = assertThrows(IllegalStateException.class, () -> done.fail(new RuntimeException()));
        assertTrue(second.getMessage(), second.getMessage().contains("completed twice"));
        assertThrows(IllegalStateException.class, () -> done.complete("other"));
        assertEquals("", done.result());
        assertNull(done.failure());
        assertEquals(3, done.count());
    }

    @Test
    public void exactlyOneOfManyConcurrentCompletionsWins() throws Exception {
        int threads = 4;
        RecordingCompletion done = new RecordingCompletion();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Callable<Boolean>> racers = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                String result = "r" + i;
                racers.add(() -> {
                    try {
                        done.complete(result);
                        return true;
                    } catch (IllegalStateException e) {
                        return false;
                    }
                });
            }
            int winners = 0;
            for (Future<Boolean> f : pool.invokeAll(racers)) {
                winners += f.get() ? 1 : 0;
            }
            assertEquals(1, winners);
            assertEquals(threads, done.count());
            assertTrue(done.result(), done.result().startsWith("r"));
        } finally {
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
        }
    }
}
