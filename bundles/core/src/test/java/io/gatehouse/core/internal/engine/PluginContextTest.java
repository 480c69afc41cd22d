package io.gatehouse.core.internal.engine;

import static org.awaitility.Awaitility.await;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotSame;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.gatehouse.api.config.Violation;
import io.gatehouse.api.plugin.PluginContext;
import io.gatehouse.core.internal.config.Json;
import io.gatehouse.core.internal.config.SpecBinder;
import io.gatehouse.core.internal.kinds.KindEntry;
import io.gatehouse.core.internal.testkit.TestKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.After;
import org.junit.Test;
import org.slf4j.LoggerFactory;

/** What a plugin instance gets from its context: timers bound to the instance, state that outlives it. */
public class PluginContextTest {
    private final PluginRuntime runtime = new PluginRuntime();
    private final GenerationFactory factory = new GenerationFactory(new SpecBinder(new Json().json()), runtime);
    private final TestKind v1 = new TestKind("t");
    private final TestKind v2 = new TestKind("t");

    @After
    public void close() {
        runtime.close();
    }

    private Generation build(TestKind kind, String version, Generation previous, String... plugins) throws Exception {
        List<PluginDefinition> defs = new ArrayList<>();
        for (String p : plugins) {
            defs.add(new PluginDefinition(p, "t", JsonNodeFactory.instance.objectNode(), Map.of()));
        }
        List<Violation> sink = new ArrayList<>();
        Map<String, KindEntry> kinds = Map.of("t", new KindEntry(kind, "t", 0, 1, "b", version, null));
        GenerationFactory.Bound bound = factory.check(new PipelineDefinition("p", defs), kinds, "$", sink);
        assertTrue(sink.toString(), sink.isEmpty());
        return factory.create(bound, previous);
    }

    @Test
    public void timersRunAndAreCancelledWhenTheInstanceIsRetired() throws Exception {
        Generation g1 = build(v1, "1.0.0", null, "a");
        PluginContext c = v1.created.get(0).context;
        AtomicInteger ticks = new AtomicInteger();
        c.scheduleAtFixedRate(ticks::incrementAndGet, Duration.ZERO, Duration.ofMillis(5));
        AtomicInteger once = new AtomicInteger();
        c.schedule(once::incrementAndGet, Duration.ofHours(1));
        await().atMost(Duration.ofSeconds(5)).until(() -> ticks.get() >= 3);
        assertEquals(2, g1.context(0).timerCount());

        Generation g2 = build(v1, "1.0.0", g1, "a");
        g1.retire(g2, LoggerFactory.getLogger(getClass()));
        assertEquals(0, g1.context(0).timerCount());
        assertEquals("the one-shot timer was removed from the queue", 0, runtime.pendingTimers());
        int after = ticks.get();
        // the periodic task is cancelled: its count stays put while the new instance's own timer runs
        AtomicInteger probe = new AtomicInteger();
        v1.created.get(1).context.scheduleAtFixedRate(probe::incrementAndGet, Duration.ZERO, Duration.ofMillis(5));
        await().atMost(Duration.ofSeconds(5)).until(() -> probe.get() >= 5);
        assertTrue(ticks.get() <= after + 1);
        assertEquals(0, once.get());
        assertThrows(IllegalStateException.class, () -> c.schedule(() -> { }, Duration.ZERO));
    }

    @Test
    public void aTimerThatThrowsKeepsItsSchedule() throws Exception {
        build(v1, "1.0.0", null, "a");
        AtomicInteger runs = new AtomicInteger();
        v1.created.get(0).context.scheduleAtFixedRate(() -> {
            runs.incrementAndGet();
            throw new IllegalStateException("probe failed");
        }, Duration.ZERO, Duration.ofMillis(5));
        await().atMost(Duration.ofSeconds(5)).until(() -> runs.get() >= 3);
    }

    @Test
    public void stateSurvivesGenerationsAndANewVersionOfTheKindButNotRemoval() throws Exception {
        Generation g1 = build(v1, "1.0.0", null, "a", "b");
        ConcurrentMap<String, Object> state = v1.created.get(0).context.state();
        state.put("hits", new AtomicLong(41));
        assertNotSame(state, v1.created.get(1).context.state());

        Generation g2 = build(v2, "2.0.0", g1, "a", "b");
        PluginContext upgraded = v2.created.get(0).context;
        assertNull("another kind object: no previous instance", upgraded.previous());
        assertEquals("2.0.0", upgraded.kindVersion());
        assertSame(state, upgraded.state());
        assertEquals(42, ((AtomicLong) upgraded.state().get("hits")).incrementAndGet());

        Generation g3 = build(v2, "2.0.0", g2, "a", "b");
        assertSame(v2.created.get(0), v2.created.get(2).context.previous());

        build(v2, "2.0.0", g3, "b");
        Generation back = build(v2, "2.0.0", null, "a", "b");
        assertTrue("a plugin removed from its pipeline loses its state", v2.created.get(v2.created.size() - 2)
                .context.state().isEmpty());
        back.context(1).state().put("k", "v");
        runtime.drop("p");
        assertTrue("a deleted pipeline loses its plugins' state", back.context(1).state().isEmpty());
    }
}
