package io.gatehouse.testkit;

import io.gatehouse.api.plugin.Completion;
import io.gatehouse.api.plugin.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * Test double of {@link Completion}: records the one outcome of a {@code handle} call. Like the gateway it
 * refuses a second completion with {@link IllegalStateException}, and it counts every call
 * ({@link #count()}), so a plugin that completes twice and swallows the exception is still caught. Safe to
 * complete from any thread (as plugins may) and to poll from the test thread, for example with Awaitility.
 *
 * <p>A wrapping plugin's {@link #proceed()} stands for the rest of the pipeline: the test either sets
 * {@link #rest} (run at each proceed, its response given back at once) or gives control back itself with
 * {@link #giveBack}.
 */
public final class RecordingCompletion implements Completion {
    private String result;
    private Throwable failure;
    private boolean done;
    private int count;
    private int proceeds;
    private CompletableFuture<HttpResponse> back;
    private Supplier<HttpResponse> rest;

    /** What the rest of the pipeline does at each {@link #proceed()}: returns the response it leaves. */
    public synchronized RecordingCompletion rest(Supplier<HttpResponse> rest) {
        this.rest = rest;
        return this;
    }

    @Override
    public CompletionStage<HttpResponse> proceed() {
        CompletableFuture<HttpResponse> b;
        Supplier<HttpResponse> r;
        synchronized (this) {
            if (done) {
                throw new IllegalStateException("proceed after completing");
            }
            if (back != null && !back.isDone()) {
                throw new IllegalStateException("proceed while the rest of the pipeline is running");
            }
            proceeds++;
            b = new CompletableFuture<>();
            back = b;
            r = rest;
        }
        if (r != null) {
            b.complete(r.get());
        }
        return b;
    }

    /** The rest of the pipeline is over, leaving {@code response}: the plugin gets control back. */
    public void giveBack(HttpResponse response) {
        CompletableFuture<HttpResponse> b;
        synchronized (this) {
            b = back;
        }
        if (b == null || b.isDone()) {
            throw new IllegalStateException("no proceed is running");
        }
        b.complete(response);
    }

    /** How many times the plugin called {@link #proceed()}. */
    public synchronized int proceeds() {
        return proceeds;
    }

    @Override
    public synchronized void complete(String result) {
        once();
        this.result = result;
    }

    @Override
    public synchronized void fail(Throwable error) {
        once();
        this.failure = error;
    }

    private void once() {
        count++;
        if (back != null && !back.isDone()) {
            throw new IllegalStateException("completed while the rest of the pipeline is running");
        }
        if (done) {
            throw new IllegalStateException("completed twice: the first outcome was "
                    + (failure != null ? "failure " + failure : "result '" + result + "'"));
        }
        done = true;
    }

    /** True once {@link #complete} or {@link #fail} was called. */
    public synchronized boolean done() {
        return done;
    }

    /** The result given to {@link #complete}, or null when not completed (or failed). */
    public synchronized String result() {
        return result;
    }

    /** The error given to {@link #fail}, or null when not failed. */
    public synchronized Throwable failure() {
        return failure;
    }

    /** How many times {@link #complete} or {@link #fail} was called, including refused second calls. */
    public synchronized int count() {
        return count;
    }

    @Override
    public synchronized String toString() {
        if (!done) {
            return "not completed";
        }
        return failure != null ? "failed: " + failure : "completed with '" + result + "'";
    }
}
