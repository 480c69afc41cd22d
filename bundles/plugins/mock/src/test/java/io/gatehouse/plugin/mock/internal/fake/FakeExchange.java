package io.gatehouse.plugin.mock.internal.fake;

import io.gatehouse.api.plugin.Exchange;
import io.gatehouse.api.plugin.Forward;
import io.gatehouse.api.plugin.HttpRequest;
import io.gatehouse.api.plugin.HttpResponse;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Test double of {@link Exchange} for plugin logic: {@link #forward} records the target and returns a
 * future the test completes; {@link #finish} runs the completion listeners as the gateway would when the
 * exchange is over. Single-threaded: the test thread plays the event loop.
 */
public final class FakeExchange implements Exchange {
    private final FakeRequest request;
    private final InetSocketAddress remote;
    private final List<Consumer<Throwable>> listeners = new ArrayList<>();
    private final Map<String, Object> attributes = new HashMap<>();
    private FakeResponse response;
    private Forward forwardedTo;
    private CompletableFuture<HttpResponse> upstream;
    private String errorCode;
    private String errorMessage;
    private boolean finished;

    public FakeExchange(FakeRequest request, InetSocketAddress remote) {
        this.request = request;
        this.remote = remote;
    }

    public static FakeExchange get(String uri) {
        return new FakeExchange(new FakeRequest("GET", uri), new InetSocketAddress("127.0.0.1", 40000));
    }

    public static FakeExchange from(String ip) {
        return new FakeExchange(new FakeRequest("GET", "/"), new InetSocketAddress(ip, 40000));
    }

    public FakeExchange header(String name, String value) {
        request.header(name, value);
        return this;
    }

    /** The target of the forward, or null when the exchange was not forwarded. */
    public Forward forwardedTo() {
        return forwardedTo;
    }

    /** The future returned by {@link #forward}, for the test to complete. */
    public CompletableFuture<HttpResponse> upstream() {
        return upstream;
    }

    /** Completes the forward with an upstream response of {@code status}. */
    public void upstreamAnswers(int status) {
        FakeResponse r = new FakeResponse(status, true);
        response = r;
        upstream.complete(r);
    }

    public String errorCode() {
        return errorCode;
    }

    public String errorMessage() {
        return errorMessage;
    }

    public FakeResponse fakeResponse() {
        return response;
    }

    /** Ends the exchange: runs the {@link #onComplete} listeners once. */
    public void finish(Throwable cause) {
        if (finished) {
            throw new IllegalStateException("already finished");
        }
        finished = true;
        listeners.forEach(l -> l.accept(cause));
    }

    @Override
    public HttpRequest request() {
        return request;
    }

    @Override
    public HttpResponse response() {
        return response;
    }

    @Override
    public HttpResponse respond(int status) {
        response = new FakeResponse(status, false);
        return response;
    }

    @Override
    public HttpResponse respondError(int status, String code, String message) {
        respond(status);
        errorCode = code;
        errorMessage = message;
        response.headers().set("Content-Type", "application/json");
        response.body(("{\"status\":" + status + ",\"error\":\"" + code + "\"}").getBytes(StandardCharsets.UTF_8));
        return response;
    }

    @Override
    public CompletionStage<HttpResponse> forward(Forward target) {
        if (forwardedTo != null) {
            throw new IllegalStateException("already forwarded");
        }
        forwardedTo = target;
        upstream = new CompletableFuture<>();
        return upstream;
    }

    @Override
    public <T> CompletionStage<T> offload(Callable<T> task) {
        try {
            return CompletableFuture.completedFuture(task.call());
        } catch (Exception e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public AutoCloseable schedule(Runnable task, long delay, TimeUnit unit) {
        throw new UnsupportedOperationException("timers are not part of this fake");
    }

    @Override
    public Executor executor() {
        return Runnable::run;
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return remote;
    }

    @Override
    public InetSocketAddress localAddress() {
        return new InetSocketAddress("127.0.0.1", 10080);
    }

    @Override
    public String scheme() {
        return "http";
    }

    @Override
    public String server() {
        return "test-server";
    }

    @Override
    public String pipeline() {
        return "test-pipeline";
    }

    @Override
    public Map<String, Object> attributes() {
        return attributes;
    }

    @Override
    public void onComplete(Consumer<Throwable> listener) {
        listeners.add(listener);
    }

    @Override
    public long startNanos() {
        return 0;
    }
}
