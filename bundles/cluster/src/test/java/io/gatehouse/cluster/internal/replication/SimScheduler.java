package io.gatehouse.cluster.internal.replication;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One node's {@link Scheduler} on a {@link SimClock}: a paused node runs nothing until resumed (its tasks
 * wait), a crashed node's tasks are dropped.
 */
final class SimScheduler implements Scheduler {
    private final SimClock clock;
    private final List<Runnable> deferred = new ArrayList<>();
    private int generation;
    private boolean paused;

    SimScheduler(SimClock clock) {
        this.clock = clock;
    }

    @Override
    public long nanoTime() {
        return clock.now();
    }

    @Override
    public void execute(Runnable task) {
        schedule(Duration.ZERO, task);
    }

    @Override
    public Cancellable schedule(Duration delay, Runnable task) {
        int gen = generation;
        boolean[] cancelled = new boolean[1];
        SimClock.Task t = clock.schedule(delay, () -> deliver(gen, task, cancelled));
        return () -> {
            cancelled[0] = true;
            t.cancelled = true;
        };
    }

    private void deliver(int gen, Runnable task, boolean[] cancelled) {
        if (gen != generation || cancelled[0]) {
            return;
        }
        if (paused) {
            deferred.add(() -> deliver(gen, task, cancelled));
            return;
        }
        task.run();
    }

    void pause() {
        paused = true;
    }

    void resume() {
        paused = false;
        List<Runnable> tasks = new ArrayList<>(deferred);
        deferred.clear();
        for (Runnable r : tasks) {
            clock.schedule(0, r);
        }
    }

    boolean paused() {
        return paused;
    }

    /** Drops every task of the node's current life. */
    void crash() {
        generation++;
        deferred.clear();
        paused = false;
    }
}
