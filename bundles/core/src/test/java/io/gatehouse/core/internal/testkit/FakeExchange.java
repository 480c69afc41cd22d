package io.gatehouse.core.internal.testkit;

import io.gatehouse.dataplane.ServerExchange;
import io.gatehouse.testkit.FakeRequest;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The plugin kit's fake exchange with what only the core does to an exchange ({@link ServerExchange}):
 * records the pipeline it was routed to and counts {@link #end()} calls. Starts unrouted (no pipeline).
 */
public final class FakeExchange extends io.gatehouse.testkit.FakeExchange implements ServerExchange {
    public final AtomicInteger ends = new AtomicInteger();

    /** A request for {@code path} addressed to {@code host} (a {@code Host} header; none when null). */
    public FakeExchange(String method, String host, String path, Executor executor) {
        super(request(method, host, path));
        withExecutor(executor);
        withPipeline(null);
    }

    private static FakeRequest request(String method, String host, String path) {
        FakeRequest request = new FakeRequest(method, path);
        return host == null ? request : request.header("Host", host);
    }

    public static FakeExchange get(String path) {
        return new FakeExchange("GET", "localhost", path, Runnable::run);
    }

    @Override
    public FakeExchange header(String name, String value) {
        super.header(name, value);
        return this;
    }

    @Override
    public long bytesReceived() {
        return 0;
    }

    @Override
    public long bytesSent() {
        return 0;
    }

    @Override
    public String upstreamAddress() {
        return null;
    }

    /** Status of the response, or 0 when there is none. */
    public int status() {
        return response() == null ? 0 : response().status();
    }

    @Override
    public void pipeline(String name) {
        withPipeline(name);
    }

    private Object route;

    @Override
    public void route(Object rule) {
        this.route = rule;
    }

    @Override
    public Object route() {
        return route;
    }

    @Override
    public void end() {
        ends.incrementAndGet();
    }
}
