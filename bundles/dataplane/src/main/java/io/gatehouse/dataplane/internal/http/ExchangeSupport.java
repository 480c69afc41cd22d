package io.gatehouse.dataplane.internal.http;

import io.gatehouse.dataplane.ServerExchange;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The parts of an exchange that are not HTTP: its event loop, offloading to the bounded blocking
 * executor, timers, attributes and completion listeners (called exactly once).
 */
abstract class ExchangeSupport implements ServerExchange {
    private static final Logger LOG = LoggerFactory.getLogger(ExchangeSupport.class);

    private final EventExecutor loop;
    private final ExecutorService blocking;
    private final long startNanos;
    private String pipeline;
    private Object route;
    private Map<String, Object> attributes;
    private Object listeners;
    private boolean finished;
    private Throwable outcome;

    ExchangeSupport(EventExecutor loop, ExecutorService blocking) {
        this.startNanos = System.nanoTime();
        this.loop = loop;
        this.blocking = blocking;
    }

    @Override
    public <T> CompletionStage<T> offload(Callable<T> task) {
        Objects.requireNonNull(task, "task");
        CompletableFuture<T> result = new CompletableFuture<>();
        try {
            blocking.execute(() -> {
                T value;
                try {
                    value = task.call();
                } catch (Throwable t) {
                    deliver(() -> result.completeExceptionally(t));
                    return;
                }
                deliver(() -> result.complete(value));
            });
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(e);
        }
        return result;
    }

    private void deliver(Runnable r) {
        try {
            loop.execute(r);
        } catch (RejectedExecutionException e) {
            LOG.warn("Could not deliver an offloaded result: the event loop is shutting down", e);
        }
    }

    @Override
    public AutoCloseable schedule(Runnable task, long delay, TimeUnit unit) {
        ScheduledFuture<?> f = loop.schedule(task, delay, unit);
        return () -> f.cancel(false);
    }

    @Override
    public Executor executor() {
        return loop;
    }

    @Override
    public String pipeline() {
        return pipeline;
    }

    @Override
    public void pipeline(String name) {
        this.pipeline = name;
    }

    @Override
    public void route(Object rule) {
        this.route = rule;
    }

    @Override
    public Object route() {
        return route;
    }

    @Override
    public Map<String, Object> attributes() {
        Map<String, Object> a = attributes;
        if (a == null) {
            a = attributes = new HashMap<>(8);
        }
        return a;
    }

    @Override
    public long startNanos() {
        return startNanos;
    }

    @Override
    @SuppressWarnings("unchecked")
    public void onComplete(Consumer<Throwable> listener) {
        Objects.requireNonNull(listener, "listener");
        if (finished) {
            notify(listener, outcome);
            return;
        }
        Object l = listeners;
        if (l == null) {
            listeners = listener;
        } else if (l instanceof List) {
            ((List<Consumer<Throwable>>) l).add(listener);
        } else {
            List<Consumer<Throwable>> list = new ArrayList<>(4);
            list.add((Consumer<Throwable>) l);
            list.add(listener);
            listeners = list;
        }
    }

    /** True once the exchange is over (response sent or aborted). */
    final boolean isFinished() {
        return finished;
    }

    /** The cause the exchange was aborted with, or null. */
    final Throwable outcome() {
        return outcome;
    }

    /** Marks the exchange over; false when it already was. */
    final boolean markFinished(Throwable cause) {
        if (finished) {
            return false;
        }
        finished = true;
        outcome = cause;
        return true;
    }

    /** Calls every completion listener once. */
    final void notifyListeners() {
        Object l = listeners;
        listeners = null;
        if (l instanceof List) {
            for (Object o : (List<?>) l) {
                notify(cast(o), outcome);
            }
        } else if (l != null) {
            notify(cast(l), outcome);
        }
    }

    @SuppressWarnings("unchecked")
    private static Consumer<Throwable> cast(Object o) {
        return (Consumer<Throwable>) o;
    }

    private void notify(Consumer<Throwable> listener, Throwable cause) {
        try {
            listener.accept(cause);
        } catch (RuntimeException e) {
            LOG.warn("An onComplete listener of {} threw", this, e);
        }
    }
}
