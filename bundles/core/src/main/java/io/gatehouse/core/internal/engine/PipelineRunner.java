package io.gatehouse.core.internal.engine;

import io.gatehouse.api.plugin.Completion;
import io.gatehouse.api.plugin.HttpResponse;
import io.gatehouse.dataplane.ServerExchange;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one exchange through one generation. Synchronous completions are trampolined (a loop, not a
 * recursion); a completion from a foreign thread hops back to the exchange's event loop. One small
 * {@link Step} is allocated per plugin call: it is the exactly-once guard for that call.
 *
 * <p>Wrapping ({@link Completion#proceed()}): a step that proceeds is pushed on a stack and the rest of the
 * pipeline runs; when the rest is over (its end, an unmapped result, a failure), instead of ending the
 * exchange the innermost wrapper gets control back; its completion then unwinds to the next wrapper, and the
 * exchange ends when no wrapper is left.
 */
public final class PipelineRunner {
    private static final Logger LOG = LoggerFactory.getLogger(PipelineRunner.class);

    /** Told when a pipeline is over, just before its exchange ends (the response head is decided then). */
    @FunctionalInterface
    public interface Ending {
        /** Nothing to tell. */
        Ending NONE = exchange -> { };

        /** Event loop; must not block nor throw. */
        void ending(ServerExchange exchange);
    }

    /** Told each result other than success of the exchange's plugins (the access log's line lists them). */
    @FunctionalInterface
    public interface Results {
        /** Event loop; must not block nor throw. */
        void result(String plugin, String result);
    }

    private final Generation generation;
    private final ServerExchange exchange;
    private final Ending ending;
    /** Where the results other than success go, or null. */
    private final Results results;
    private final Thread loop;
    /** The step whose handle() is on the stack, or null. Event loop only. */
    private Step inHandle;
    /** Wrappers whose proceed is running, innermost last; null until the first. Event loop only. */
    private ArrayDeque<Step> wrappers;
    private boolean ended;

    private PipelineRunner(Generation generation, ServerExchange exchange, Ending ending, Results results) {
        this.generation = generation;
        this.exchange = exchange;
        this.ending = ending;
        this.results = results;
        this.loop = Thread.currentThread();
    }

    /** Starts the pipeline for an exchange; must be called on the exchange's event loop. */
    public static void run(Generation generation, ServerExchange exchange) {
        run(generation, exchange, Ending.NONE);
    }

    /** Starts the pipeline for an exchange, telling {@code ending} when it is over; event loop only. */
    public static void run(Generation generation, ServerExchange exchange, Ending ending) {
        run(generation, exchange, ending, null);
    }

    /**
     * Starts the pipeline for an exchange, telling {@code ending} when it is over and {@code results} (when not
     * null) each plugin result other than success; event loop only.
     */
    public static void run(Generation generation, ServerExchange exchange, Ending ending, Results results) {
        new PipelineRunner(generation, exchange, ending, results).runFrom(0);
    }

    /** Counts a completed call's result, and tells it when it is not success. */
    private void completedWith(int index, String result) {
        generation.stats(index).result(result);
        if (results != null && result != null && !result.isEmpty()) {
            try {
                results.result(generation.name(index), result);
            } catch (RuntimeException e) {
                LOG.warn("Noting the result of plugin '{}' failed", generation.name(index), e);
            }
        }
    }

    private void runFrom(int start) {
        int i = start;
        Step outer = inHandle;
        while (i < generation.size()) {
            Step step = new Step(this, i);
            inHandle = step;
            PluginStats stats = generation.stats(i);
            stats.call();
            long t0 = System.nanoTime();
            try {
                generation.plugin(i).handle(exchange, step);
            } catch (Throwable t) {
                if (step.proceeded) {
                    // it gets control back later: fail it then (the rest may still be running now)
                    LOG.error("Plugin '{}' of pipeline '{}' threw after proceeding", generation.name(i),
                            generation.pipeline(), t);
                    step.thrown = t;
                } else if (!step.compareAndSet(false, true)) {
                    LOG.error("Plugin '{}' of pipeline '{}' threw after completing", generation.name(i),
                            generation.pipeline(), t);
                } else {
                    step.failure = t;
                    step.syncDone = true;
                }
            } finally {
                inHandle = outer;
                if (!step.proceeded) {
                    // a wrapper's handle may have run the rest of the pipeline: not its own time
                    stats.handled(System.nanoTime() - t0, generation.name(i), generation.pipeline());
                }
            }
            if (!step.syncDone) {
                return;
            }
            if (step.failure != null) {
                failed(i, step.failure);
                return;
            }
            completedWith(i, step.result);
            i = generation.next(i, step.result);
        }
        end();
    }

    void completed(Step step, String result, Throwable failure) {
        if (step.proceeded) {
            // a wrapper ends: the pipeline is over, unwind to the next wrapper (never a jump); its result counts
            Runnable unwind = () -> {
                if (failure != null) {
                    failed(step.index, failure);
                } else {
                    completedWith(step.index, result);
                    end();
                }
            };
            onLoop(unwind, step);
            return;
        }
        if (inHandle == step && Thread.currentThread() == loop) {
            step.result = result;
            step.failure = failure;
            step.syncDone = true;
            return;
        }
        onLoop(() -> resume(step.index, result, failure), step);
    }

    private void onLoop(Runnable task, Step step) {
        if (Thread.currentThread() == loop) {
            task.run();
            return;
        }
        try {
            exchange.executor().execute(task);
        } catch (RejectedExecutionException e) {
            LOG.warn("Pipeline '{}' cannot resume after plugin '{}': the event loop is shutting down",
                    generation.pipeline(), generation.name(step.index), e);
        }
    }

    /** A step proceeds: push it and run the rest of the pipeline after it. */
    void proceed(Step step) {
        onLoop(() -> {
            if (wrappers == null) {
                wrappers = new ArrayDeque<>(2);
            }
            wrappers.addLast(step);
            runFrom(step.index + 1);
        }, step);
    }

    private void resume(int index, String result, Throwable failure) {
        if (failure != null) {
            failed(index, failure);
        } else {
            completedWith(index, result);
            runFrom(generation.next(index, result));
        }
    }

    private void failed(int index, Throwable error) {
        generation.stats(index).failure();
        String plugin = generation.name(index);
        if (results != null) {
            try {
                results.result(plugin, "failed");
            } catch (RuntimeException e) {
                LOG.warn("Noting the failure of plugin '{}' failed", plugin, e);
            }
        }
        LOG.error("Plugin '{}' of pipeline '{}' failed", plugin, generation.pipeline(), error);
        if (exchange.response() == null) {
            try {
                exchange.respondError(500, "plugin_failed",
                        "plugin '" + plugin + "' of pipeline '" + generation.pipeline() + "' failed");
            } catch (RuntimeException e) {
                LOG.warn("Cannot answer 500 for pipeline '{}'", generation.pipeline(), e);
            }
        }
        end();
    }

    private void end() {
        Step wrapper = wrappers == null ? null : wrappers.pollLast();
        if (wrapper != null) {
            wrapper.running = false;
            if (wrapper.thrown != null) {
                Throwable t = wrapper.thrown;
                wrapper.set(true);
                failed(wrapper.index, t);
                return;
            }
            CompletableFuture<HttpResponse> back = wrapper.back;
            wrapper.back = null;
            back.complete(exchange.response());
            return;
        }
        if (ended) {
            LOG.error("Pipeline '{}' ended twice", generation.pipeline());
            return;
        }
        ended = true;
        try {
            ending.ending(exchange);
        } catch (RuntimeException e) {
            LOG.error("Counting the end of an exchange of pipeline '{}' failed", generation.pipeline(), e);
        }
        try {
            exchange.end();
        } catch (RuntimeException e) {
            LOG.error("Ending the exchange of pipeline '{}' failed", generation.pipeline(), e);
        }
    }

    /** The completion handed to one plugin call: exactly once, then IllegalStateException. */
    static final class Step extends AtomicBoolean implements Completion {
        private static final long serialVersionUID = 1L;

        final transient PipelineRunner runner;
        final int index;
        /** Set only for a completion during handle(), read after handle() returns (same thread). */
        transient String result;
        transient Throwable failure;
        transient boolean syncDone;
        /** The step called proceed() at least once: its completion unwinds. */
        transient volatile boolean proceeded;
        /** A proceed is running (the rest has not given control back yet). */
        transient volatile boolean running;
        /** Completes when the rest gives control back. */
        transient CompletableFuture<HttpResponse> back;
        /** What handle() threw after proceeding. */
        transient Throwable thrown;

        Step(PipelineRunner runner, int index) {
            this.runner = runner;
            this.index = index;
        }

        @Override
        public void complete(String result) {
            once();
            runner.completed(this, result, null);
        }

        @Override
        public void fail(Throwable error) {
            once();
            runner.completed(this, null, error == null ? new IllegalStateException("failed without a cause") : error);
        }

        @Override
        public CompletionStage<HttpResponse> proceed() {
            CompletableFuture<HttpResponse> b = start();
            runner.proceed(this);
            return b;
        }

        private synchronized CompletableFuture<HttpResponse> start() {
            if (get()) {
                throw new IllegalStateException("plugin '" + runner.generation.name(index) + "' of pipeline '"
                        + runner.generation.pipeline() + "' already completed");
            }
            if (running) {
                throw new IllegalStateException("plugin '" + runner.generation.name(index) + "' of pipeline '"
                        + runner.generation.pipeline() + "' is already proceeding");
            }
            running = true;
            proceeded = true;
            CompletableFuture<HttpResponse> b = new CompletableFuture<>();
            back = b;
            return b;
        }

        private synchronized void once() {
            if (running) {
                throw new IllegalStateException("plugin '" + runner.generation.name(index) + "' of pipeline '"
                        + runner.generation.pipeline() + "' completed while the rest of the pipeline is running");
            }
            if (!compareAndSet(false, true)) {
                throw new IllegalStateException("plugin '" + runner.generation.name(index) + "' of pipeline '"
                        + runner.generation.pipeline() + "' completed more than once");
            }
        }
    }
}
