package io.gatehouse.cluster.internal;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leadership as a lease on the CP register {@code gatehouse.lease} = {@code leader|epoch|beat}
 * (docs/cluster.md): the leader CASes {@code beat+1} every {@code renew}; it stops leading on its own when no
 * renew has succeeded for {@code stepDown}, checked on the monotonic clock before any CP call; a voter that
 * sees the register unchanged for {@code takeover}, or vacant, CASes it to {@code self|epoch+1|0}. A graceful
 * leave clears the leader ({@code |epoch|beat}) so the next voter takes over at once.
 *
 * <p>Everything but the volatile snapshots runs on one thread ({@code thread}); every CP call waits for at most
 * its own deadline.
 */
final class LeaseKeeper implements Leadership {
    private static final Logger LOG = LoggerFactory.getLogger(LeaseKeeper.class);

    private final String self;
    private final CpRegister register;
    private final long renewNanos;
    private final long stepDownNanos;
    private final long takeoverNanos;
    private final LongSupplier nanos;
    private final BooleanSupplier eligible;
    private final BiConsumer<String, String> events;
    private final ScheduledExecutorService thread;
    private final Listeners listeners = new Listeners();
    private final AtomicLong floor = new AtomicLong();

    // read anywhere
    private volatile Lease current;
    private volatile boolean leading;
    private volatile long epoch;
    private volatile long renewedAt;
    private volatile boolean stopped;

    // leadership thread only
    private long beat;
    private String value;
    private String lastSeen;
    private long lastChange;
    /** A CAS whose outcome is unknown (no answer in time), with its epoch and start; null when none. */
    private String pendingValue;
    private long pendingEpoch;
    private long pendingStart;
    private boolean seenOnce;
    private ScheduledFuture<?> ticks;

    /**
     * @param eligible whether this node may take over now (a voter that passed the secret check)
     * @param events   receives (kind, detail) of leadership events for the membership history
     */
    LeaseKeeper(String self, CpRegister register, Duration renew, Duration stepDown, Duration takeover,
                LongSupplier nanos, BooleanSupplier eligible, BiConsumer<String, String> events,
                ScheduledExecutorService thread) {
        this.self = self;
        this.register = register;
        this.renewNanos = renew.toNanos();
        this.stepDownNanos = stepDown.toNanos();
        this.takeoverNanos = takeover.toNanos();
        this.nanos = nanos;
        this.eligible = eligible;
        this.events = events;
        this.thread = thread;
    }

    void start() {
        ticks = thread.scheduleWithFixedDelay(this::tick, 0, renewNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public Optional<Lease> current() {
        return Optional.ofNullable(current);
    }

    @Override
    public OptionalLong leadingEpoch() {
        // epoch and renewedAt are written before leading becomes true, and epoch changes only while not leading:
        // read leading first, and again after, else a reader racing with lead() could pair the previous epoch
        // with the new leadership
        if (!leading) {
            return OptionalLong.empty();
        }
        long e = epoch;
        long at = renewedAt;
        if (!leading || epoch != e) {
            return OptionalLong.empty();
        }
        return nanos.getAsLong() - at < stepDownNanos ? OptionalLong.of(e) : OptionalLong.empty();
    }

    @Override
    public long highestEpoch() {
        Lease l = current;
        return Math.max(floor.get(), Math.max(epoch, l == null ? 0 : l.epoch()));
    }

    @Override
    public void raiseEpochFloor(long e) {
        floor.accumulateAndGet(e, Math::max);
    }

    @Override
    public boolean usesLease() {
        return true;
    }

    @Override
    public void addListener(Listener l) {
        listeners.add(Objects.requireNonNull(l, "listener"));
    }

    @Override
    public void removeListener(Listener l) {
        listeners.remove(l);
    }

    /** One round; package-private for tests. */
    void tick() {
        try {
            if (stopped) {
                return;
            }
            long now = nanos.getAsLong();
            if (leading && now - renewedAt >= stepDownNanos) {
                stepDown("no successful renew for " + (now - renewedAt) / 1_000_000 + " ms");
            }
            if (leading && floor.get() >= epoch) {
                stepDown("epoch " + floor.get() + " was used elsewhere");
                release(Duration.ofNanos(renewNanos));
                return;
            }
            if (leading) {
                renew(now);
            } else {
                observe(now);
            }
        } catch (RuntimeException e) {
            LOG.error("Leadership round failed", e);
        }
    }

    private void renew(long now) {
        long budget = Math.min(renewNanos * 2, stepDownNanos - (now - renewedAt));
        if (budget <= 0) {
            stepDown("lease ran out");
            return;
        }
        if (pendingValue != null) {
            // the last renew got no answer in time: it may or may not have happened
            Read read = read(register.get(Duration.ofNanos(budget)), budget);
            if (read == null) {
                return;
            }
            if (pendingValue.equals(read.value())) {
                value = pendingValue;
                beat++;
                renewedAt = pendingStart;
            } else if (!Objects.equals(value, read.value())) {
                pendingValue = null;
                stepDown("the lease was taken over");
                return;
            }
            pendingValue = null;
            now = nanos.getAsLong();
            budget = Math.min(renewNanos * 2, stepDownNanos - (now - renewedAt));
            if (budget <= 0) {
                stepDown("lease ran out");
                return;
            }
        }
        String next = encode(self, epoch, beat + 1);
        Boolean ok = await(register.compareAndSet(value, next, Duration.ofNanos(budget)), budget);
        if (Boolean.TRUE.equals(ok)) {
            beat++;
            value = next;
            renewedAt = now;
        } else if (Boolean.FALSE.equals(ok)) {
            stepDown("the lease was taken over");
        } else {
            pendingValue = next;
            pendingStart = now;
        }
    }

    private void observe(long now) {
        Read read = read(register.get(Duration.ofNanos(renewNanos)), renewNanos);
        if (read == null) {
            return;
        }
        String v = read.value();
        if (pendingValue != null && pendingValue.equals(v) && now - pendingStart < stepDownNanos) {
            // our takeover got no answer in time, but it did happen
            lead(v, pendingEpoch, pendingStart, "a takeover confirmed late");
            pendingValue = null;
            return;
        }
        pendingValue = null;
        Lease l = parse(v);
        if (!seenOnce || !Objects.equals(v, lastSeen)) {
            seenOnce = true;
            lastSeen = v;
            lastChange = now;
            if (l != null) {
                floor.accumulateAndGet(l.epoch(), Math::max);
            }
            Lease visible = l == null || l.leader().isEmpty() || l.leader().equals(self) ? null : l;
            if (!Objects.equals(visible, current)) {
                current = visible;
                listeners.fire(Optional.ofNullable(visible), false);
            }
        }
        if (!eligible.getAsBoolean()) {
            return;
        }
        // vacant: never set, cleared by a leader that left, unreadable, or naming this node, which does not hold
        // it (a previous incarnation, or a leadership it already gave up): nobody renews it
        boolean vacant = l == null || l.leader().isEmpty() || l.leader().equals(self);
        if (!vacant && now - lastChange < takeoverNanos) {
            return;
        }
        long nextEpoch = Math.max(l == null ? 0 : l.epoch(), floor.get()) + 1;
        String next = encode(self, nextEpoch, 0);
        long start = nanos.getAsLong();
        Boolean ok = await(register.compareAndSet(v, next, Duration.ofNanos(renewNanos)), renewNanos);
        if (Boolean.TRUE.equals(ok)) {
            lead(next, nextEpoch, start, vacant ? "vacant lease" : "lease of " + l.leader() + " (epoch " + l.epoch()
                    + ") unchanged for " + (now - lastChange) / 1_000_000 + " ms");
        } else if (Boolean.FALSE.equals(ok)) {
            seenOnce = false;
        } else {
            pendingValue = next;
            pendingEpoch = nextEpoch;
            pendingStart = start;
        }
    }

    private void lead(String v, long newEpoch, long since, String why) {
        value = v;
        lastSeen = v;
        lastChange = since;
        beat = 0;
        epoch = newEpoch;
        renewedAt = since;
        leading = true;
        current = new Lease(self, newEpoch);
        LOG.info("Leading the group with epoch {} ({})", newEpoch, why);
        events.accept("leader", "epoch " + newEpoch + " (" + why + ")");
        listeners.fire(Optional.of(current), true);
    }

    private void stepDown(String reason) {
        if (!leading) {
            return;
        }
        leading = false;
        seenOnce = false;
        // a renew still without an answer belonged to this leadership: never confirm it later as a takeover
        // (observe() would lead again with pendingEpoch, a takeover's, stale: seen as "epoch 0"); the register
        // naming this node is vacant for the next round, taken with a new epoch
        pendingValue = null;
        current = null;
        LOG.warn("Stepped down as leader (epoch {}): {}", epoch, reason);
        events.accept("stepped-down", "epoch " + epoch + ": " + reason);
        listeners.fire(Optional.empty(), false);
    }

    /**
     * Stops the rounds; when leading, clears the leader in the register ({@code |epoch|beat}) so that the next
     * voter takes over at once. Waits at most {@code timeout}.
     */
    void stop(Duration timeout) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            thread.execute(() -> {
                stopped = true;
                if (ticks != null) {
                    ticks.cancel(false);
                }
                if (leading) {
                    leading = false;
                    release(timeout);
                }
                done.complete(null);
            });
            done.get(timeout.toMillis() + 100, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            LOG.warn("Could not release the lease in time: {}", e.toString());
        }
        stopped = true;
    }

    /** Stops at once without touching the register (a crash, in tests). */
    void halt() {
        stopped = true;
        leading = false;
    }

    private void release(Duration timeout) {
        leading = false;
        Boolean ok = await(register.compareAndSet(value, encode("", epoch, beat), timeout), timeout.toNanos());
        LOG.info("Released the lease of epoch {}: {}", epoch, Boolean.TRUE.equals(ok) ? "done"
                : "not confirmed (the next voter takes over after lease.takeover)");
        current = null;
        listeners.fire(Optional.empty(), false);
    }

    /** A value read from the register (null when unset). */
    private record Read(String value) {
    }

    private static Boolean await(CompletableFuture<Boolean> f, long nanos) {
        try {
            return f.get(nanos, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (ExecutionException | TimeoutException e) {
            LOG.debug("CP call failed: {}", e.toString());
            return null;
        }
    }

    /** The value read, or null when there was no answer in time. */
    private static Read read(CompletableFuture<String> f, long nanos) {
        try {
            return new Read(f.get(nanos, TimeUnit.NANOSECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (ExecutionException | TimeoutException e) {
            LOG.debug("CP read failed: {}", e.toString());
            return null;
        }
    }

    static String encode(String leader, long epoch, long beat) {
        return leader + "|" + epoch + "|" + beat;
    }

    /** The lease in a register value, or null when unset or unreadable. */
    static Lease parse(String v) {
        if (v == null) {
            return null;
        }
        String[] p = v.split("\\|", -1);
        if (p.length != 3) {
            return null;
        }
        try {
            return new Lease(p[0], Long.parseLong(p[1]));
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
