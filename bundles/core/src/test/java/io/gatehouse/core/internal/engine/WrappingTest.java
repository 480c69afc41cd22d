package io.gatehouse.core.internal.engine;

import static org.awaitility.Awaitility.await;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.gatehouse.api.plugin.Completion;
import io.gatehouse.api.plugin.Exchange;
import io.gatehouse.api.plugin.HttpResponse;
import io.gatehouse.api.plugin.Plugin;
import io.gatehouse.api.plugin.PluginKind;
import io.gatehouse.core.internal.testkit.FakeExchange;
import io.gatehouse.core.internal.testkit.TestKind;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.After;
import org.junit.Test;

/** Wrapping plugins: {@link Completion#proceed()} runs the rest and gives control back before the commit. */
public class WrappingTest {
    private final ExecutorService loop = Executors.newSingleThreadExecutor(r -> new Thread(r, "fake-loop"));
    private final ExecutorService other = Executors.newSingleThreadExecutor(r -> new Thread(r, "other"));
    private final List<String> trace = new CopyOnWriteArrayList<>();

    @After
    public void stop() throws Exception {
        loop.shutdownNow();
        other.shutdownNow();
        assertTrue(loop.awaitTermination(5, TimeUnit.SECONDS));
        assertTrue(other.awaitTermination(5, TimeUnit.SECONDS));
    }

    private static Generation generation(Map<String, String> jumps, Plugin... plugins) {
        String[] names = new String[plugins.length];
        PluginKind<?>[] kinds = new PluginKind<?>[plugins.length];
        @SuppressWarnings("unchecked")
        Map<String, Integer>[] table = new Map[plugins.length];
        Context[] contexts = new Context[plugins.length];
        PluginRuntime runtime = new PluginRuntime();
        TestKind kind = new TestKind("t", "stop");
        for (int i = 0; i < plugins.length; i++) {
            names[i] = "p" + i;
            kinds[i] = kind;
            table[i] = new HashMap<>();
            contexts[i] = new Context("w", names[i], 1, "1.0.0", null, runtime);
        }
        jumps.forEach((from, to) -> table[Integer.parseInt(from)].put("stop",
                to.equals("END") ? plugins.length : Integer.parseInt(to)));
        return new Generation("w", 1, plugins, names, kinds, table, contexts, null);
    }

    /** A wrapper that records around the rest and then runs {@code after} with the response it got back. */
    private Plugin wrapper(String name, java.util.function.BiConsumer<Exchange, HttpResponse> after) {
        return (exchange, completion) -> {
            trace.add(name + ">");
            completion.proceed().thenAccept(response -> {
                trace.add("<" + name);
                after.accept(exchange, response);
                completion.complete("");
            });
        };
    }

    private Plugin responder(String name, int status) {
        return (exchange, completion) -> {
            trace.add(name);
            exchange.respond(status);
            completion.complete("");
        };
    }

    @Test
    public void theWrapperGetsTheResponseBackBeforeTheExchangeEnds() {
        FakeExchange ex = FakeExchange.get("/");
        AtomicInteger endsSeen = new AtomicInteger(-1);
        Generation g = generation(Map.of(), wrapper("w", (e, r) -> {
            endsSeen.set(((FakeExchange) e).ends.get());
            assertSame(e.response(), r);
            r.headers().set("X-Wrapped", "yes");
        }), responder("r", 201));
        PipelineRunner.run(g, ex);
        assertEquals(List.of("w>", "r", "<w"), trace);
        assertEquals("not committed while the wrapper had control", 0, endsSeen.get());
        assertEquals(1, ex.ends.get());
        assertEquals(201, ex.status());
        assertEquals("yes", ex.response().headers().get("X-Wrapped"));
    }

    @Test
    public void wrappersNestAndTheInnermostGetsControlFirst() {
        FakeExchange ex = FakeExchange.get("/");
        Generation g = generation(Map.of(), wrapper("a", (e, r) -> { }), responder("x", 200),
                wrapper("b", (e, r) -> { }), responder("y", 202));
        PipelineRunner.run(g, ex);
        assertEquals(List.of("a>", "x", "b>", "y", "<b", "<a"), trace);
        assertEquals(1, ex.ends.get());
        assertEquals(202, ex.status());
    }

    @Test
    public void proceedingAgainRunsTheRestOnceMore() {
        FakeExchange ex = FakeExchange.get("/");
        AtomicInteger calls = new AtomicInteger();
        Plugin flaky = (exchange, completion) -> {
            exchange.respond(calls.incrementAndGet() == 1 ? 503 : 200);
            completion.complete("");
        };
        Plugin retry = (exchange, completion) -> completion.proceed().thenAccept(first -> {
            if (first.status() == 503) {
                completion.proceed().thenAccept(second -> completion.complete(""));
            } else {
                completion.complete("");
            }
        });
        PipelineRunner.run(generation(Map.of(), retry, flaky), ex);
        assertEquals(2, calls.get());
        assertEquals(200, ex.status());
        assertEquals(1, ex.ends.get());
    }

    @Test
    public void anAsynchronousRestGivesControlBackOnTheEventLoop() {
        FakeExchange ex = new FakeExchange("GET", "localhost", "/", loop);
        AtomicReference<String> backOn = new AtomicReference<>();
        Plugin slow = (exchange, completion) -> other.execute(() -> {
            exchange.executor().execute(() -> exchange.respond(200));
            completion.complete("");
        });
        Plugin w = (exchange, completion) -> completion.proceed().thenAccept(r -> {
            backOn.set(Thread.currentThread().getName());
            completion.complete("");
        });
        loop.execute(() -> PipelineRunner.run(generation(Map.of(), w, slow), ex));
        await().atMost(Duration.ofSeconds(5)).until(() -> ex.ends.get() == 1);
        assertEquals("fake-loop", backOn.get());
        assertEquals(200, ex.status());
    }

    @Test
    public void aFailureInTheRestLeavesItsErrorForTheWrapper() {
        FakeExchange ex = FakeExchange.get("/");
        AtomicInteger seen = new AtomicInteger();
        Plugin broken = (exchange, completion) -> {
            throw new IllegalStateException("boom");
        };
        PipelineRunner.run(generation(Map.of(), wrapper("w", (e, r) -> seen.set(r.status())), broken), ex);
        assertEquals(500, seen.get());
        assertEquals(1, ex.ends.get());
    }

    @Test
    public void aJumpToEndInTheRestEndsTheRestOnly() {
        FakeExchange ex = FakeExchange.get("/");
        Plugin stopper = (exchange, completion) -> {
            trace.add("s");
            exchange.respond(403);
            completion.complete("stop");
        };
        Generation g = generation(Map.of("1", "END"), wrapper("w", (e, r) -> { }), stopper, responder("never", 200));
        PipelineRunner.run(g, ex);
        assertEquals(List.of("w>", "s", "<w"), trace);
        assertEquals(403, ex.status());
        assertEquals(1, ex.ends.get());
    }

    @Test
    public void completingWhileTheRestRunsIsRefused() {
        FakeExchange ex = FakeExchange.get("/");
        AtomicReference<Completion> parked = new AtomicReference<>();
        AtomicReference<Completion> outer = new AtomicReference<>();
        Plugin park = (exchange, completion) -> parked.set(completion);
        Plugin w = (exchange, completion) -> {
            outer.set(completion);
            completion.proceed().thenAccept(r -> completion.complete(""));
        };
        PipelineRunner.run(generation(Map.of(), w, park), ex);
        assertThrows(IllegalStateException.class, () -> outer.get().complete(""));
        assertThrows(IllegalStateException.class, () -> outer.get().proceed());
        assertEquals(0, ex.ends.get());
        ex.respond(200);
        parked.get().complete("");
        assertEquals(1, ex.ends.get());
        assertThrows(IllegalStateException.class, () -> outer.get().proceed());
    }

    @Test
    public void aWrapperThatThrowsAfterProceedingFailsWhenTheRestIsOver() {
        FakeExchange ex = FakeExchange.get("/");
        AtomicReference<Completion> parked = new AtomicReference<>();
        Plugin park = (exchange, completion) -> parked.set(completion);
        Plugin w = (exchange, completion) -> {
            completion.proceed();
            throw new IllegalStateException("bug after proceed");
        };
        PipelineRunner.run(generation(Map.of(), w, park), ex);
        assertEquals(0, ex.ends.get());
        parked.get().complete("");
        assertEquals(1, ex.ends.get());
        assertEquals("no response from the rest: the wrapper's failure answers 500", 500, ex.status());
    }
}
