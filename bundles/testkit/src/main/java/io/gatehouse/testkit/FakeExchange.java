package io.gatehouse.testkit;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.gatehouse.api.plugin.Exchange;
import io.gatehouse.api.plugin.Forward;
import io.gatehouse.api.plugin.HttpResponse;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Test double of {@link Exchange}: the test plays the gateway around the plugin under test.
 *
 * <ul>
 *   <li>{@link #forward}, {@link #attempt} and {@link #mirror} make {@link FakeAttempt}s that the test
 *   answers ({@link FakeAttempt#answers}, {@link FakeAttempt#fails}); for the latest forward,
 *   {@link #upstreamAnswers(int)} (the response then is {@link #response()}, as in the gateway). A request with
 *   a body is sent once unless the plugin kept it ({@link #bufferRequestBody}, a known length within the
 *   bound); {@link #complete()} cancels the attempts that were not used.</li>
 *   <li>{@link #respondError} records the code and message ({@link #errorCode()}, {@link #errorMessage()})
 *   and sets the gateway's JSON error body.</li>
 *   <li>{@link #offload} runs the task on the offload executor ({@link #withOffloadExecutor}; by default
 *   directly on the calling thread) and completes on the exchange's executor.</li>
 *   <li>{@link #schedule} records a {@link ScheduledTask} that the test fires ({@link #scheduled()},
 *   {@link #fireTimers()}).</li>
 *   <li>{@link #complete()} and {@link #abort(Throwable)} end the exchange: the {@link #onComplete}
 *   listeners run, once.</li>
 * </ul>
 *
 * <p>The exchange's executor ({@link #withExecutor}) runs tasks directly by default: the test thread is the
 * event loop. Open for extension so a gateway-side fake can add its own operations.
 */
public class FakeExchange implements Exchange {
    private final FakeRequest request;
    private final long startNanos = System.nanoTime();
    private final Map<String, Object> attributes = new HashMap<>();
    private final List<Consumer<Throwable>> listeners = new CopyOnWriteArrayList<>();
    private final List<ScheduledTask> timers = new CopyOnWriteArrayList<>();
    private InetSocketAddress remoteAddress;
    private InetSocketAddress localAddress = new InetSocketAddress("127.0.0.1", 10080);
    private String scheme = "http";
    private String server = "test";
    private String pipeline = "test";
    private Executor executor = Runnable::run;
    private Executor offloadExecutor = Runnable::run;
    private volatile FakeResponse response;
    private final List<FakeAttempt> attempts = new CopyOnWriteArrayList<>();
    private volatile FakeAttempt used;
    private volatile long bodyKept;
    private volatile boolean bodySent;
    private volatile String errorCode;
    private volatile String errorMessage;
    private volatile boolean over;
    private long clockNanos;

    /** An exchange for {@code request} from {@code 127.0.0.1:40000}. */
    public FakeExchange(FakeRequest request) {
        this(request, new InetSocketAddress("127.0.0.1", 40000));
    }

    /** An exchange for {@code request} from the client at {@code remoteAddress}. */
    public FakeExchange(FakeRequest request, InetSocketAddress remoteAddress) {
        this.request = Objects.requireNonNull(request, "request");
        this.remoteAddress = Objects.requireNonNull(remoteAddress, "remoteAddress");
    }

    /** {@code GET uri} (no headers) from {@code 127.0.0.1:40000}. */
    public static FakeExchange get(String uri) {
        return new FakeExchange(new FakeRequest("GET", uri));
    }

    /** {@code GET /} from the client at {@code ip} (port 40000). */
    public static FakeExchange from(String ip) {
        return new FakeExchange(new FakeRequest("GET", "/"), new InetSocketAddress(ip, 40000));
    }

    /** Adds a request header field after the existing ones. */
    public FakeExchange header(String name, String value) {
        request.header(name, value);
        return this;
    }

    /** Sets the client's address. */
    public FakeExchange withRemoteAddress(InetSocketAddress address) {
        this.remoteAddress = Objects.requireNonNull(address, "address");
        return this;
    }

    /** Sets the local address the client connected to (default {@code 127.0.0.1:10080}). */
    public FakeExchange withLocalAddress(InetSocketAddress address) {
        this.localAddress = Objects.requireNonNull(address, "address");
        return this;
    }

    /** Sets the scheme (default {@code http}). */
    public FakeExchange withScheme(String scheme) {
        this.scheme = Objects.requireNonNull(scheme, "scheme");
        return this;
    }

    /** Sets the name of the server that accepted the request (default {@code test}). */
    public FakeExchange withServer(String server) {
        this.server = server;
        return this;
    }

    /** Sets the name of the pipeline the request was routed to (default {@code test}). */
    public FakeExchange withPipeline(String pipeline) {
        this.pipeline = pipeline;
        return this;
    }

    /** Sets the exchange's event loop (default: runs tasks directly on the calling thread). */
    public FakeExchange withExecutor(Executor executor) {
        this.executor = Objects.requireNonNull(executor, "executor");
        return this;
    }

    /**
     * Sets where {@link #offload} runs blocking tasks (default: directly on the calling thread). An
     * executor that rejects the task makes the stage fail with {@link RejectedExecutionException}, as a
     * full blocking queue does in the gateway.
     */
    public FakeExchange withOffloadExecutor(Executor executor) {
        this.offloadExecutor = Objects.requireNonNull(executor, "executor");
        return this;
    }

    /** The target of the latest attempt that is not a shadow, or null when the exchange was not forwarded. */
    public Forward forwardedTo() {
        FakeAttempt a = latest();
        return a == null ? null : a.target();
    }

    /** The future of the latest attempt that is not a shadow, for the test to complete; null before one. */
    public CompletableFuture<HttpResponse> upstream() {
        FakeAttempt a = latest();
        return a == null ? null : a.future();
    }

    /** The attempts made so far, as the test's upstream sees them, in order. */
    public List<FakeAttempt> fakeAttempts() {
        return List.copyOf(attempts);
    }

    private FakeAttempt latest() {
        for (int i = attempts.size() - 1; i >= 0; i--) {
            if (!attempts.get(i).shadow()) {
                return attempts.get(i);
            }
        }
        return null;
    }

    /** Completes the latest forward with an upstream response of {@code status} and no headers. */
    public FakeResponse upstreamAnswers(int status) {
        return upstreamAnswers(new FakeResponse(status, true));
    }

    /**
     * Completes the latest forward with {@code answer}, which becomes {@link #response()} first, as in the
     * gateway.
     *
     * @throws IllegalStateException when the exchange was not forwarded or the forward already completed
     */
    public FakeResponse upstreamAnswers(FakeResponse answer) {
        FakeAttempt a = latest();
        if (a == null) {
            throw new IllegalStateException("the exchange was not forwarded");
        }
        if (a.state() != io.gatehouse.api.plugin.Attempt.State.SENT) {
            throw new IllegalStateException("the forward already completed");
        }
        return a.answers(answer);
    }

    /** The bound given to {@link #bufferRequestBody}, 0 when never called. */
    public long bodyKept() {
        return bodyKept;
    }

    /** The code given to {@link #respondError}, or null. */
    public String errorCode() {
        return errorCode;
    }

    /** The message given to {@link #respondError}, or null. */
    public String errorMessage() {
        return errorMessage;
    }

    /** The timers set with {@link #schedule}, in the order they were set. */
    public List<ScheduledTask> scheduled() {
        return List.copyOf(timers);
    }

    /**
     * Lets time pass until no timer is pending: fires every pending timer in the order they are due,
     * including timers that the fired tasks set (due after the task that set them).
     *
     * @return how many tasks ran
     */
    public int fireTimers() {
        int ran = 0;
        while (true) {
            ScheduledTask next = timers.stream().filter(ScheduledTask::pending)
                    .min(Comparator.comparingLong(ScheduledTask::dueNanos)).orElse(null);
            if (next == null) {
                return ran;
            }
            next.fire();
            ran++;
        }
    }

    /** Moves the virtual clock timers are due on forward to {@code nanos} (never back). */
    synchronized void advanceClock(long nanos) {
        clockNanos = Math.max(clockNanos, nanos);
    }

    /** How many {@link #onComplete} listeners are registered. */
    public int completionListeners() {
        return listeners.size();
    }

    /** True once {@link #complete()} or {@link #abort(Throwable)} was called. */
    public boolean over() {
        return over;
    }

    /**
     * The exchange is over and the response was fully sent: commits the response (when there is one) and
     * runs the {@link #onComplete} listeners with null.
     *
     * @throws IllegalStateException when the exchange is already over
     */
    public void complete() {
        for (FakeAttempt a : attempts) {
            if (a != used && !a.shadow()) {
                a.cancel();
            }
        }
        end(null);
        FakeResponse sent = response;
        if (sent != null) {
            sent.commit();
        }
    }

    /**
     * The exchange was aborted (client gone, upstream reset...): runs the {@link #onComplete} listeners with
     * {@code cause}.
     *
     * @throws IllegalStateException when the exchange is already over
     */
    public void abort(Throwable cause) {
        end(Objects.requireNonNull(cause, "cause"));
    }

    private void end(Throwable cause) {
        if (over) {
            throw new IllegalStateException("the exchange is already over");
        }
        over = true;
        for (Consumer<Throwable> listener : listeners) {
            listener.accept(cause);
        }
    }

    @Override
    public FakeRequest request() {
        return request;
    }

    @Override
    public FakeResponse response() {
        return response;
    }

    @Override
    public FakeResponse respond(int status) {
        FakeResponse current = response;
        if (current != null && current.committed()) {
            throw new IllegalStateException("the response is already committed");
        }
        FakeResponse made = new FakeResponse(status, false);
        response = made;
        return made;
    }

    /** Answers with the gateway's JSON error body and records {@code code} and {@code message}. */
    @Override
    public FakeResponse respondError(int status, String code, String message) {
        FakeResponse made = respond(status);
        errorCode = code;
        errorMessage = message;
        String json = JsonNodeFactory.instance.objectNode().put("status", status).put("error", code)
                .put("message", message).toString();
        made.headers().set("Content-Type", "application/json");
        made.body(json.getBytes(StandardCharsets.UTF_8));
        return made;
    }

    /**
     * Makes an attempt, sends it and uses its response when the test answers it ({@link #upstreamAnswers});
     * returns its future ({@link #upstream()}). The exchange's request can no longer be changed.
     *
     * @throws IllegalStateException when the response is committed
     */
    @Override
    public CompletionStage<HttpResponse> forward(Forward target) {
        FakeAttempt a = newAttempt(target, false);
        a.useOnResponse();
        return a.send();
    }

    @Override
    public FakeAttempt attempt(Forward target) {
        return newAttempt(target, false);
    }

    @Override
    public FakeAttempt mirror(Forward target) {
        return newAttempt(target, true);
    }

    private FakeAttempt newAttempt(Forward target, boolean shadow) {
        Objects.requireNonNull(target, "target");
        checkNotCommitted();
        request.markSent();
        FakeAttempt a = new FakeAttempt(this, target, request.copy(), shadow);
        attempts.add(a);
        return a;
    }

    @Override
    public List<io.gatehouse.api.plugin.Attempt> attempts() {
        return List.copyOf(attempts);
    }

    @Override
    public boolean bufferRequestBody(long maxBytes) {
        if (maxBytes < 0) {
            throw new IllegalArgumentException("maxBytes must not be negative: " + maxBytes);
        }
        if (bodySent && bodyKept == 0 && request.hasBody()) {
            return false;
        }
        bodyKept = Math.max(bodyKept, maxBytes);
        return true;
    }

    @Override
    public boolean replayable() {
        return !request.hasBody() || !bodySent || (request.contentLength() >= 0 && request.contentLength() <= bodyKept);
    }

    /** Reads the client's body ({@link FakeRequest#withBody}) at once; refused after the first attempt. */
    @Override
    public CompletionStage<byte[]> readRequestBody(long maxBytes) {
        if (maxBytes < 0) {
            throw new IllegalArgumentException("maxBytes must not be negative: " + maxBytes);
        }
        checkNoAttempt();
        return request.read(maxBytes);
    }

    /** Records the transformation ({@link FakeRequest#transforms()}, {@link FakeRequest#sentBody()}). */
    @Override
    public void transformRequestBody(io.gatehouse.api.plugin.BodyTransform transform) {
        Objects.requireNonNull(transform, "transform");
        checkNoAttempt();
        request.transform(transform);
    }

    private void checkNoAttempt() {
        checkNotCommitted();
        if (!attempts.isEmpty()) {
            throw new IllegalStateException("an upstream attempt was already made: the request body can only be "
                    + "read, replaced or transformed before the first one");
        }
    }

    void checkNotCommitted() {
        FakeResponse current = response;
        if (current != null && current.committed()) {
            throw new IllegalStateException("the response is already committed");
        }
    }

    boolean bodySendable(FakeAttempt a) {
        return replayable();
    }

    boolean bodySent() {
        return bodySent && request.hasBody();
    }

    void markBodySent() {
        bodySent = true;
    }

    /** The attempt's response becomes the exchange's. */
    void use(FakeAttempt a) {
        checkNotCommitted();
        used = a;
        response = a.response();
    }

    /** A used attempt was cancelled: the exchange has no response. */
    void cancelled(FakeAttempt a) {
        if (used == a) {
            used = null;
            response = null;
        }
    }

    @Override
    public <T> CompletionStage<T> offload(Callable<T> task) {
        CompletableFuture<T> result = new CompletableFuture<>();
        try {
            offloadExecutor.execute(() -> runOffloaded(task, result));
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(e);
        }
        return result;
    }

    private <T> void runOffloaded(Callable<T> task, CompletableFuture<T> result) {
        T value;
        try {
            value = task.call();
        } catch (Exception e) {
            executor.execute(() -> result.completeExceptionally(e));
            return;
        }
        executor.execute(() -> result.complete(value));
    }

    /** Records the timer; it runs only when the test fires it ({@link ScheduledTask#fire()}). */
    @Override
    public ScheduledTask schedule(Runnable task, long delay, TimeUnit unit) {
        long now;
        synchronized (this) {
            now = clockNanos;
        }
        ScheduledTask timer = new ScheduledTask(Objects.requireNonNull(task, "task"), delay, unit, this, now);
        timers.add(timer);
        return timer;
    }

    @Override
    public Executor executor() {
        return executor;
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return remoteAddress;
    }

    @Override
    public InetSocketAddress localAddress() {
        return localAddress;
    }

    @Override
    public String scheme() {
        return scheme;
    }

    @Override
    public String server() {
        return server;
    }

    @Override
    public String pipeline() {
        return pipeline;
    }

    @Override
    public Map<String, Object> attributes() {
        return attributes;
    }

    /** Registers a listener; it runs when the test calls {@link #complete()} or {@link #abort(Throwable)}. */
    @Override
    public void onComplete(Consumer<Throwable> listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    @Override
    public long startNanos() {
        return startNanos;
    }
}
