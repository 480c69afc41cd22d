package io.gatehouse.testkit;

import io.gatehouse.api.plugin.Attempt;
import io.gatehouse.api.plugin.Forward;
import io.gatehouse.api.plugin.HttpRequest;
import io.gatehouse.api.plugin.HttpResponse;
import io.gatehouse.api.plugin.UpstreamException;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Test double of {@link Attempt}, made by {@link FakeExchange#attempt}, {@link FakeExchange#mirror} or
 * {@link FakeExchange#forward}: the test plays the upstream with {@link #answers(int)} or {@link #fails}.
 */
public final class FakeAttempt implements Attempt {
    private final FakeExchange exchange;
    private final Forward target;
    private final FakeRequest request;
    private final boolean shadow;
    private final CompletableFuture<HttpResponse> promise = new CompletableFuture<>();
    private volatile State state = State.NEW;
    private volatile FakeResponse response;
    private volatile UpstreamException error;
    private volatile boolean useOnResponse;
    private volatile boolean replayed;
    private volatile long sentNanos;
    private volatile long elapsedNanos = -1;

    FakeAttempt(FakeExchange exchange, Forward target, FakeRequest request, boolean shadow) {
        this.exchange = exchange;
        this.target = Objects.requireNonNull(target, "target");
        this.request = request;
        this.shadow = shadow;
    }

    @Override
    public Forward target() {
        return target;
    }

    @Override
    public HttpRequest request() {
        return request;
    }

    /** The future of {@link #send()}, for the test. */
    public CompletableFuture<HttpResponse> future() {
        return promise;
    }

    @Override
    public CompletionStage<HttpResponse> send() {
        if (state != State.NEW) {
            throw new IllegalStateException("the attempt was already sent");
        }
        exchange.checkNotCommitted();
        request.markSent();
        sentNanos = System.nanoTime();
        state = State.SENT;
        if (!exchange.bodySendable(this)) {
            fail(new UpstreamException(UpstreamException.Reason.BODY_NOT_REPLAYABLE,
                    "the request body was sent to an earlier attempt and not kept", null));
            return promise;
        }
        replayed = exchange.bodySent();
        exchange.markBodySent();
        return promise;
    }

    /** Set by the exchange's forward: the response becomes the exchange's when it arrives. */
    void useOnResponse() {
        useOnResponse = true;
    }

    /** The upstream answers {@code status} with no headers. */
    public FakeResponse answers(int status) {
        return answers(new FakeResponse(status, true));
    }

    /**
     * The upstream answers: the attempt is {@link State#RESPONDED}; a forward's response becomes the exchange's.
     *
     * @throws IllegalStateException when the attempt is not waiting for a response
     */
    public FakeResponse answers(FakeResponse answer) {
        if (state != State.SENT) {
            throw new IllegalStateException("the attempt is " + state + ", not waiting for a response");
        }
        response = answer;
        state = State.RESPONDED;
        elapsedNanos = System.nanoTime() - sentNanos;
        if (useOnResponse) {
            exchange.use(this);
        }
        promise.complete(answer);
        return answer;
    }

    /** The attempt fails with {@code reason} and {@code message}. */
    public void fails(UpstreamException.Reason reason, String message) {
        if (state != State.SENT) {
            throw new IllegalStateException("the attempt is " + state + ", not waiting for a response");
        }
        fail(new UpstreamException(reason, message, null));
    }

    private void fail(UpstreamException e) {
        error = e;
        state = State.FAILED;
        elapsedNanos = System.nanoTime() - sentNanos;
        promise.completeExceptionally(e);
    }

    FakeResponse response() {
        return response;
    }

    @Override
    public void use() {
        if (shadow) {
            throw new IllegalStateException("a shadow attempt's response is never used");
        }
        if (state != State.RESPONDED) {
            throw new IllegalStateException("no response head has arrived");
        }
        exchange.use(this);
    }

    @Override
    public void cancel() {
        if (state == State.NEW || state == State.SENT) {
            State was = state;
            state = State.CANCELLED;
            error = new UpstreamException(UpstreamException.Reason.CANCELLED, "cancelled", null);
            if (was == State.SENT) {
                elapsedNanos = System.nanoTime() - sentNanos;
            }
            promise.completeExceptionally(error);
        } else if (state == State.RESPONDED) {
            state = State.CANCELLED;
            exchange.cancelled(this);
        }
    }

    /** True once the attempt was cancelled (by the plugin or by {@link FakeExchange#complete()}). */
    public boolean cancelled() {
        return state == State.CANCELLED;
    }

    @Override
    public boolean shadow() {
        return shadow;
    }

    @Override
    public State state() {
        return state;
    }

    @Override
    public int status() {
        FakeResponse r = response;
        return r == null ? -1 : r.status();
    }

    @Override
    public UpstreamException error() {
        return error;
    }

    @Override
    public long sentNanos() {
        return sentNanos;
    }

    @Override
    public long elapsedNanos() {
        return elapsedNanos;
    }

    @Override
    public boolean bodyReplayed() {
        return replayed;
    }

    @Override
    public String toString() {
        return (shadow ? "shadow " : "") + "attempt to " + target.authority() + " (" + state + ")";
    }
}
