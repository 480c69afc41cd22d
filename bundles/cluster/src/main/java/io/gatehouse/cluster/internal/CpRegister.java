package io.gatehouse.cluster.internal;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.cp.IAtomicReference;
import com.hazelcast.cp.exception.CPGroupDestroyedException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A CP {@link IAtomicReference} of strings where every call has our own deadline: a CP call to the local
 * member can hang past Hazelcast's call timeout (STACK.md), and even getting the proxy blocks until the CP
 * subsystem has formed, so that happens on {@code blocking} with the same deadline.
 */
final class CpRegister {
    private final HazelcastInstance hz;
    private final String name;
    private final Executor blocking;
    private volatile IAtomicReference<String> proxy;
    private volatile CompletableFuture<IAtomicReference<String>> pending;

    CpRegister(HazelcastInstance hz, String name, Executor blocking) {
        this.hz = hz;
        this.name = name;
        this.blocking = blocking;
    }

    CompletableFuture<String> get(Duration timeout) {
        return call(timeout, IAtomicReference::getAsync);
    }

    CompletableFuture<Boolean> compareAndSet(String expected, String next, Duration timeout) {
        return call(timeout, p -> p.compareAndSetAsync(expected, next));
    }

    /**
     * Runs {@code op} on the proxy, and once more on a new proxy when the CP group of the first was destroyed (a
     * CP subsystem restart): the call is then made on the new, empty register, where it means what it meant
     * (the destroyed group's state is gone, whatever the first call did there). All within {@code timeout}.
     */
    private <T> CompletableFuture<T> call(Duration timeout,
                                          Function<IAtomicReference<String>, CompletionStage<T>> op) {
        Supplier<CompletableFuture<T>> once = () -> proxy(timeout).thenCompose(p -> forget(p, copy(op.apply(p))));
        return once.get()
                .handle((v, t) -> destroyed(t) ? once.get()
                        : t != null ? CompletableFuture.<T>failedFuture(t) : CompletableFuture.completedFuture(v))
                .thenCompose(f -> f)
                .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static boolean destroyed(Throwable t) {
        Throwable c = t;
        while (c != null && !(c instanceof CPGroupDestroyedException) && c.getCause() != c) {
            c = c.getCause();
        }
        return c != null;
    }

    /**
     * Drops the proxy {@code p} when {@code f} fails because its CP group was destroyed: after a CP subsystem
     * restart ({@link CpSubsystemRestart}) a proxy made before it fails for good, a new one works.
     */
    private <T> CompletableFuture<T> forget(IAtomicReference<String> p, CompletableFuture<T> f) {
        return f.whenComplete((v, t) -> {
            if (destroyed(t)) {
                synchronized (this) {
                    if (proxy == p) {
                        proxy = null;
                        pending = null;
                    }
                }
            }
        });
    }

    private synchronized CompletableFuture<IAtomicReference<String>> proxy(Duration timeout) {
        IAtomicReference<String> p = proxy;
        if (p != null) {
            return CompletableFuture.completedFuture(p);
        }
        if (pending == null || pending.isDone() && pending.isCompletedExceptionally()) {
            CompletableFuture<IAtomicReference<String>> f = new CompletableFuture<>();
            pending = f;
            try {
                blocking.execute(() -> {
                    try {
                        IAtomicReference<String> ref = hz.getCPSubsystem().getAtomicReference(name);
                        proxy = ref;
                        f.complete(ref);
                    } catch (RuntimeException e) {
                        f.completeExceptionally(e);
                    }
                });
            } catch (RuntimeException e) {
                f.completeExceptionally(e);
            }
        }
        return pending.copy().orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Hazelcast's future copied into a plain one, so our timeouts never complete Hazelcast's own. */
    private static <T> CompletableFuture<T> copy(CompletionStage<T> stage) {
        CompletableFuture<T> f = new CompletableFuture<>();
        stage.whenComplete((v, t) -> {
            if (t != null) {
                f.completeExceptionally(t);
            } else {
                f.complete(v);
            }
        });
        return f;
    }

    /** The commit register on top of this register. */
    CommitRegister asCommitRegister() {
        CpRegister self = this;
        return new CommitRegister() {
            @Override
            public CompletableFuture<java.util.Optional<CommitPoint>> get(Duration timeout) {
                return self.get(timeout).thenApply(v -> java.util.Optional.ofNullable(v).map(CommitPoint::parse));
            }

            @Override
            public CompletableFuture<Boolean> compareAndSet(CommitPoint expected, CommitPoint next, Duration timeout) {
                return self.compareAndSet(expected == null ? null : expected.encode(), next.encode(), timeout);
            }
        };
    }
}
