package io.gatehouse.core.internal.engine;

import static org.awaitility.Awaitility.await;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.gatehouse.api.config.Violation;
import io.gatehouse.api.plugin.Completion;
import io.gatehouse.api.plugin.Plugin;
import io.gatehouse.api.plugin.PluginKind;
import io.gatehouse.core.internal.config.Json;
import io.gatehouse.core.internal.config.SpecBinder;
import io.gatehouse.core.internal.kinds.KindEntry;
import io.gatehouse.core.internal.testkit.FakeExchange;
import io.gatehouse.core.internal.testkit.TestKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.After;
import org.junit.Test;
import org.slf4j.LoggerFactory;

public class PipelineRunnerTest {
    private final TestKind kind = new TestKind("t", "denied", "skip");
    private final GenerationFactory factory = new GenerationFactory(new SpecBinder(new Json().json()));
    private final Map<String, KindEntry> kinds = Map.of("t", new KindEntry(kind, "t", 0, 1, "b", "1", null));
    private final ExecutorService loop = Executors.newSingleThreadExecutor(r -> new Thread(r, "fake-loop"));

    @After
    public void stopLoop() throws Exception {
        loop.shutdownNow();
        assertTrue(loop.awaitTermination(5, TimeUnit.SECONDS));
    }

    private static PluginDefinition plugin(String name, String result, Map<String, String> jumpIf) {
        var spec = JsonNodeFactory.instance.objectNode();
        if (result != null) {
            spec.put("result", result);
        }
        return new PluginDefinition(name, "t", spec, jumpIf);
    }

    private Generation build(PluginDefinition... plugins) throws Exception {
        List<Violation> sink = new ArrayList<>();
        GenerationFactory.Bound bound = factory.check(new PipelineDefinition("p", List.of(plugins)), kinds, "$", sink);
        assertTrue(sink.toString(), sink.isEmpty());
        return factory.create(bound, null);
    }

    private static List<String> names(FakeExchange ex) {
        return TestKind.trace(ex).stream().map(s -> s.substring(0, s.indexOf('@'))).toList();
    }

    @Test
    public void emptyResultContinuesInOrder() throws Exception {
        Generation g = build(plugin("a", null, Map.of()), plugin("b", null, Map.of()), plugin("c", null, Map.of()));
        FakeExchange ex = FakeExchange.get("/");
        PipelineRunner.run(g, ex);
        assertEquals(List.of("a", "b", "c"), names(ex));
        assertEquals(1, ex.ends.get());
    }

    @Test
    public void mappedResultJumpsForward() throws Exception {
        Generation g = build(plugin("a", "skip", Map.of("skip", "c")), plugin("b", null, Map.of()),
                plugin("c", null, Map.of()));
        FakeExchange ex = FakeExchange.get("/");
        PipelineRunner.run(g, ex);
        assertEquals(List.of("a", "c"), names(ex));
        assertEquals(1, ex.ends.get());
    }

    @Test
    public void resultMappedToEndEnds() throws Exception {
        Generation g = build(plugin("a", "denied", Map.of("denied", "END")), plugin("b", null, Map.of()));
        FakeExchange ex = FakeExchange.get("/");
        PipelineRunner.run(g, ex);
        assertEquals(List.of("a"), names(ex));
        assertEquals(1, ex.ends.get());
    }

    @Test
    public void unmappedNonEmptyResultEnds() throws Exception {
        Generation g = build(plugin("a", "denied", Map.of("skip", "b")), plugin("b", null, Map.of()));
        FakeExchange ex = FakeExchange.get("/");
        PipelineRunner.run(g, ex);
        assertEquals(List.of("a"), names(ex));
        assertEquals(1, ex.ends.get());
        assertNull("the data plane answers 500 for an ended pipeline without response", ex.response());
    }

    @Test
    public void longSynchronousPipelinesDoNotRecurse() throws Exception {
        List<PluginDefinition> plugins = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            plugins.add(plugin("p" + i, null, Map.of()));
        }
        Generation g = build(plugins.toArray(new PluginDefinition[0]));
        FakeExchange ex = FakeExchange.get("/");
        PipelineRunner.run(g, ex);
        assertEquals(5000, TestKind.trace(ex).size());
        assertEquals(1, ex.ends.get());
    }

    private Generation raw(Plugin... plugins) {
        String[] names = new String[plugins.length];
        PluginKind<?>[] kindsOf = new PluginKind<?>[plugins.length];
        @SuppressWarnings("unchecked")
        Map<String, Integer>[] jumps = new Map[plugins.length];
        for (int i = 0; i < plugins.length; i++) {
            names[i] = "p" + i;
            kindsOf[i] = kind;
            jumps[i] = new HashMap<>();
        }
        Context[] contexts = new Context[plugins.length];
        for (int i = 0; i < plugins.length; i++) {
            contexts[i] = new Context("raw", names[i], 1, "1.0.0", null, new PluginRuntime());
        }
        return new Generation("raw", 1, plugins, names, kindsOf, jumps, contexts, null);
    }

    @Test
    public void completionIsExactlyOnce() throws Exception {
        AtomicReference<Completion> held = new AtomicReference<>();
        List<String> ran = new CopyOnWriteArrayList<>();
        Generation g = raw((ex, c) -> held.set(c), (ex, c) -> {
            ran.add("second");
            c.complete("");
        });
        FakeExchange ex = FakeExchange.get("/");
        PipelineRunner.run(g, ex);
        assertEquals(0, ex.ends.get());
        held.get().complete("");
        assertThrows(IllegalStateException.class, () -> held.get().complete(""));
        assertThrows(IllegalStateException.class, () -> held.get().fail(new RuntimeException()));
        assertEquals(List.of("second"), ran);
        assertEquals(1, ex.ends.get());
    }

    @Test
    public void synchronousDoubleCompletionThrowsInsideHandle() throws Exception {
        List<Throwable> seen = new CopyOnWriteArrayList<>();
        Generation g = raw((ex, c) -> {
            c.complete("");
            try {
                c.complete("");
            } catch (IllegalStateException e) {
                seen.add(e);
            }
        });
        FakeExchange ex = FakeExchange.get("/");
        PipelineRunner.run(g, ex);
        assertEquals(1, seen.size());
        assertEquals(1, ex.ends.get());
    }

    @Test
    public void completionFromAnotherThreadHopsToTheEventLoop() throws Exception {
        AtomicReference<Completion> held = new AtomicReference<>();
        List<String> threads = new CopyOnWriteArrayList<>();
        Generation g = raw((ex, c) -> held.set(c), (ex, c) -> {
            threads.add(Thread.currentThread().getName());
            c.complete("");
        });
        FakeExchange ex = new FakeExchange("GET", "h", "/", loop);
        loop.execute(() -> PipelineRunner.run(g, ex));
        await().atMost(Duration.ofSeconds(5)).until(() -> held.get() != null);
        held.get().complete("");
        await().atMost(Duration.ofSeconds(5)).until(() -> ex.ends.get() == 1);
        assertEquals(List.of("fake-loop"), threads);
    }

    @Test
    public void throwingPluginAnswers500AndEnds() throws Exception {
        Generation g = raw((ex, c) -> {
            throw new IllegalStateException("boom");
        }, (ex, c) -> c.complete(""));
        FakeExchange ex = FakeExchange.get("/");
        PipelineRunner.run(g, ex);
        assertEquals(500, ex.status());
        assertEquals("plugin_failed", ex.errorCode());
        assertTrue(ex.errorMessage(), ex.errorMessage().contains("plugin 'p0' of pipeline 'raw'"));
        assertEquals(1, ex.ends.get());
    }

    @Test
    public void failKeepsAnExistingResponse() throws Exception {
        AtomicReference<Completion> held = new AtomicReference<>();
        Generation g = raw((ex, c) -> {
            ex.respond(302);
            held.set(c);
        }, (ex, c) -> c.complete(""));
        FakeExchange ex = FakeExchange.get("/");
        PipelineRunner.run(g, ex);
        held.get().fail(new RuntimeException("late failure"));
        assertEquals(302, ex.status());
        assertEquals(1, ex.ends.get());
    }

    @Test
    public void throwingAfterCompletingDoesNotRunTheRestTwice() throws Exception {
        List<String> ran = new CopyOnWriteArrayList<>();
        Generation g = raw((ex, c) -> {
            c.complete("");
            throw new IllegalStateException("after");
        }, (ex, c) -> {
            ran.add("second");
            c.complete("");
        });
        FakeExchange ex = FakeExchange.get("/");
        PipelineRunner.run(g, ex);
        assertEquals(List.of("second"), ran);
        assertEquals(1, ex.ends.get());
        assertNull(ex.response());
    }

    @Test
    public void createInheritsFromTheSamePluginOfTheSameKind() throws Exception {
        Generation g1 = build(plugin("a", null, Map.of()), plugin("b", null, Map.of()));
        List<Violation> sink = new ArrayList<>();
        Generation g2 = factory.create(factory.check(new PipelineDefinition("p", List.of(plugin("b", null, Map.of()),
                plugin("c", null, Map.of()))), kinds, "$", sink), g1);
        TestKind.Instance b2 = (TestKind.Instance) g2.plugin(0);
        TestKind.Instance c2 = (TestKind.Instance) g2.plugin(1);
        assertEquals(g1.plugin(1), b2.previous);
        assertNull(c2.previous);
        assertTrue(g2.number() > g1.number());
        g1.retire(g2, LoggerFactory.getLogger(getClass()));
        assertTrue(((TestKind.Instance) g1.plugin(0)).closed);
        assertTrue(((TestKind.Instance) g1.plugin(1)).closed);
    }

    @Test
    public void failedCreateClosesWhatWasCreated() throws Exception {
        TestKind refusing = new TestKind("r");
        refusing.refuseCreate = true;
        Map<String, KindEntry> both = Map.of("t", kinds.get("t"), "r", new KindEntry(refusing, "r", 0, 2, "b", "1", null));
        PipelineDefinition def = new PipelineDefinition("p", List.of(plugin("a", null, Map.of()),
                new PluginDefinition("b", "r", JsonNodeFactory.instance.objectNode(), Map.of())));
        List<Violation> sink = new ArrayList<>();
        PluginCreationException e = assertThrows(PluginCreationException.class,
                () -> factory.create(factory.check(def, both, "$", sink), null));
        assertEquals(1, e.index());
        assertTrue(kind.created.get(0).closed);
    }
}
