package io.gatehouse.core.internal.testkit;

import io.gatehouse.api.plugin.Forward;
import io.gatehouse.api.plugin.Headers;
import io.gatehouse.api.plugin.HttpRequest;
import io.gatehouse.api.plugin.HttpResponse;
import io.gatehouse.dataplane.ServerExchange;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/** A {@link ServerExchange} that records what the core did to it. */
public final class FakeExchange implements ServerExchange {
    private final Request request;
    private final Executor executor;
    private Response response;
    private String pipeline;
    private final Map<String, Object> attributes = new HashMap<>();
    public final AtomicInteger ends = new AtomicInteger();
    public final List<String> trace = new ArrayList<>();
    public volatile String errorCode;
    public volatile String errorMessage;

    public FakeExchange(String method, String host, String path, Executor executor) {
        this.request = new Request(method, host, path);
        this.executor = executor;
    }

    public static FakeExchange get(String path) {
        return new FakeExchange("GET", "localhost", path, Runnable::run);
    }

    public FakeExchange header(String name, String value) {
        request.headers.add(name, value);
        return this;
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
        response = new Response(status);
        return response;
    }

    @Override
    public HttpResponse respondError(int status, String code, String message) {
        errorCode = code;
        errorMessage = message;
        return respond(status);
    }

    /** Status of the response, or 0 when there is none. */
    public int status() {
        return response == null ? 0 : response.status;
    }

    @Override
    public CompletionStage<HttpResponse> forward(Forward target) {
        throw new UnsupportedOperationException("no upstreams in unit tests");
    }

    @Override
    public <T> CompletionStage<T> offload(Callable<T> task) {
        throw new UnsupportedOperationException();
    }

    @Override
    public AutoCloseable schedule(Runnable task, long delay, TimeUnit unit) {
        throw new UnsupportedOperationException();
    }

    @Override
    public Executor executor() {
        return executor;
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return new InetSocketAddress("127.0.0.1", 40000);
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
        return "test";
    }

    @Override
    public String pipeline() {
        return pipeline;
    }

    @Override
    public Map<String, Object> attributes() {
        return attributes;
    }

    @Override
    public void onComplete(Consumer<Throwable> listener) {
    }

    @Override
    public long startNanos() {
        return 0;
    }

    @Override
    public void pipeline(String name) {
        this.pipeline = name;
    }

    @Override
    public void end() {
        ends.incrementAndGet();
    }

    static final class Request implements HttpRequest {
        private String method;
        private final String host;
        private String uri;
        final FakeHeaders headers = new FakeHeaders();

        Request(String method, String host, String uri) {
            this.method = method;
            this.host = host;
            this.uri = uri;
        }

        @Override
        public String method() {
            return method;
        }

        @Override
        public void method(String method) {
            this.method = method;
        }

        @Override
        public String uri() {
            return uri;
        }

        @Override
        public void uri(String uri) {
            this.uri = uri;
        }

        @Override
        public String path() {
            int q = uri.indexOf('?');
            return q < 0 ? uri : uri.substring(0, q);
        }

        @Override
        public String query() {
            int q = uri.indexOf('?');
            return q < 0 ? null : uri.substring(q + 1);
        }

        @Override
        public String protocol() {
            return "HTTP/1.1";
        }

        @Override
        public Headers headers() {
            return headers;
        }

        @Override
        public String host() {
            return host;
        }

        @Override
        public long contentLength() {
            return 0;
        }

        @Override
        public boolean hasBody() {
            return false;
        }
    }

    static final class Response implements HttpResponse {
        private int status;
        private final FakeHeaders headers = new FakeHeaders();

        Response(int status) {
            this.status = status;
        }

        @Override
        public int status() {
            return status;
        }

        @Override
        public void status(int status) {
            this.status = status;
        }

        @Override
        public Headers headers() {
            return headers;
        }

        @Override
        public boolean fromUpstream() {
            return false;
        }

        @Override
        public boolean committed() {
            return false;
        }

        @Override
        public void body(byte[] body) {
        }
    }
}
