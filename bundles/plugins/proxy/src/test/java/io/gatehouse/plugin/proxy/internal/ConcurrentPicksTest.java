package io.gatehouse.plugin.proxy.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.gatehouse.testkit.FakeExchange;
import io.gatehouse.testkit.PluginHarness;
import io.gatehouse.testkit.RecordingCompletion;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.Test;

/** One instance shared by several threads (as by several event loops): counters stay exact. */
public class ConcurrentPicksTest {
    private static final int THREADS = 4;
    private static final int EXCHANGES = 5_000;

    @Test
    public void countersReturnToZeroForEveryPolicy() throws Exception {
        ProxyPluginKind kind = new ProxyPluginKind();
        kind.activate();
        PluginHarness<ProxySpec> harness = PluginHarness.of(kind).named("p", "proxy");
        for (String policy : List.of("roundRobin", "weightedRoundRobin", "random", "leastConnections",
                "powerOfTwoChoices", "ipHash")) {
            ProxyPlugin plugin = (ProxyPlugin) harness.create("""
                {"pools": [{"servers": [{"url": "http://127.0.0.1:1", "weight": 2}, {"url": "http://127.0.0.1:2"},
                  {"url": "http://127.0.0.1:3", "weight": 3}], "loadBalance": {"policy": "%s"}}]}
                """.formatted(policy));
            ExecutorService threads = Executors.newFixedThreadPool(THREADS);
            try {
                List<Callable<Integer>> tasks = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    int thread = t;
                    tasks.add(() -> run(plugin, thread));
                }
                int completed = 0;
                for (Future<Integer> f : threads.invokeAll(tasks)) {
                    completed += f.get();
                }
                assertEquals(policy, THREADS * EXCHANGES, completed);
            } finally {
                threads.shutdownNow();
                assertTrue(threads.awaitTermination(10, TimeUnit.SECONDS));
            }
            for (AtomicInteger counter : plugin.counters().values()) {
                assertEquals(policy, 0, counter.get());
            }
        }
    }

    /** Keeps a few exchanges in flight per thread so the load-aware policies see varying counters. */
    private static int run(ProxyPlugin plugin, int thread) {
        List<FakeExchange> inFlight = new ArrayList<>();
        int completed = 0;
        for (int i = 0; i < EXCHANGES; i++) {
            FakeExchange exchange = FakeExchange.from("127.0." + thread + "." + (i % 200 + 1));
            RecordingCompletion done = new RecordingCompletion();
            plugin.handle(exchange, done);
            exchange.upstreamAnswers(200);
            if (!"".equals(done.result())) {
                throw new AssertionError("exchange " + i + " did not complete: " + done.failure());
            }
            inFlight.add(exchange);
            if (inFlight.size() > 8) {
                inFlight.remove(0).complete();
                completed++;
            }
        }
        for (FakeExchange exchange : inFlight) {
            exchange.complete();
            completed++;
        }
        return completed;
    }
}
