package io.gatehouse.testkit;

import io.gatehouse.api.plugin.BodyTooLargeException;
import io.gatehouse.api.plugin.BodyTransform;
import io.gatehouse.api.plugin.HttpRequest;
import io.gatehouse.api.plugin.HttpRequests;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Test double of {@link HttpRequest}. The request target is kept as given (no decoding); {@link #host()},
 * {@link #path()}, {@link #query()} and the checks of a new method or target are the gateway's own code
 * ({@link HttpRequests}); {@link #contentLength()} derives from the headers as the gateway's does; once the
 * exchange has forwarded the request its method and target can no longer be changed
 * ({@link IllegalStateException}).
 */
public final class FakeRequest implements HttpRequest {
    private final FakeHeaders headers = new FakeHeaders();
    private String method;
    private String uri;
    private String protocol = "HTTP/1.1";
    private boolean sent;
    /** The body the client sends; replaced by {@link #body(byte[])}. */
    private byte[] body = new byte[0];
    private boolean bodyRead;
    private final List<BodyTransform> transforms = new ArrayList<>();

    /** A request with no headers, for example {@code new FakeRequest("GET", "/items?page=2")}. */
    public FakeRequest(String method, String uri) {
        this.method = Objects.requireNonNull(method, "method");
        this.uri = Objects.requireNonNull(uri, "uri");
    }

    /** Sets the protocol: {@code HTTP/1.0}, {@code HTTP/1.1} (the default) or {@code HTTP/2.0}. */
    public FakeRequest protocol(String protocol) {
        this.protocol = Objects.requireNonNull(protocol, "protocol");
        return this;
    }

    /** Adds a header field after the existing ones. */
    public FakeRequest header(String name, String value) {
        headers.add(name, value);
        return this;
    }

    /** The body the client sends, with its {@code Content-Length}. */
    public FakeRequest withBody(byte[] bytes) {
        this.body = bytes.clone();
        headers.remove("Transfer-Encoding");
        headers.set("Content-Length", Integer.toString(bytes.length));
        return this;
    }

    /** The body as it stands (the client's, or the one a plugin set), before transformations. */
    public byte[] body() {
        return body.clone();
    }

    /** The body as the upstream would get it: {@link #body()} through the transformations, in one piece. */
    public byte[] sentBody() throws Exception {
        return Transforms.apply(transforms, body);
    }

    /** The transformations added with {@link FakeExchange#transformRequestBody}, in order. */
    public List<BodyTransform> transforms() {
        return List.copyOf(transforms);
    }

    /** {@link FakeExchange#readRequestBody}: the client's body was read whole. */
    CompletionStage<byte[]> read(long maxBytes) {
        if (body.length > maxBytes) {
            return CompletableFuture.failedFuture(new BodyTooLargeException(maxBytes));
        }
        bodyRead = true;
        return CompletableFuture.completedFuture(body.clone());
    }

    void transform(BodyTransform t) {
        transforms.add(t);
    }

    @Override
    public void body(byte[] bytes) {
        Objects.requireNonNull(bytes, "body");
        checkNotSent();
        if (hasBody() && !bodyRead) {
            throw new IllegalStateException("the client's request body was not read whole: read it with "
                    + "Exchange.readRequestBody before replacing it");
        }
        transforms.clear();
        this.body = bytes.clone();
        headers.remove("Transfer-Encoding");
        if (bytes.length > 0) {
            headers.set("Content-Length", Integer.toString(bytes.length));
        } else {
            headers.remove("Content-Length");
        }
        bodyRead = true;
    }

    /** A copy of this request (method, target, protocol, headers), not sent: an attempt's own request. */
    public FakeRequest copy() {
        FakeRequest c = new FakeRequest(method, uri).protocol(protocol);
        for (java.util.Map.Entry<String, String> h : headers) {
            c.header(h.getKey(), h.getValue());
        }
        return c;
    }

    /** True once the exchange has forwarded this request. */
    public boolean sent() {
        return sent;
    }

    /** Called by {@link FakeExchange#forward}: the head has gone upstream. */
    void markSent() {
        sent = true;
    }

    @Override
    public String method() {
        return method;
    }

    @Override
    public void method(String method) {
        checkNotSent();
        this.method = HttpRequests.checkMethod(method);
    }

    @Override
    public String uri() {
        return uri;
    }

    @Override
    public void uri(String uri) {
        checkNotSent();
        this.uri = HttpRequests.checkTarget(uri);
    }

    @Override
    public String path() {
        return HttpRequests.path(uri);
    }

    @Override
    public String query() {
        return HttpRequests.query(uri);
    }

    @Override
    public String protocol() {
        return protocol;
    }

    @Override
    public FakeHeaders headers() {
        return headers;
    }

    /** The {@code Host} header without its port (an IPv6 literal keeps its brackets); null without one. */
    @Override
    public String host() {
        return HttpRequests.host(headers.get("Host"));
    }

    /** {@code Content-Length}; -1 with a {@code Transfer-Encoding} (chunked); 0 without either. */
    @Override
    public long contentLength() {
        if (headers.contains("Transfer-Encoding")) {
            return -1;
        }
        String length = headers.get("Content-Length");
        return length == null ? 0 : Long.parseLong(length.trim());
    }

    @Override
    public boolean hasBody() {
        return contentLength() != 0;
    }

    private void checkNotSent() {
        if (sent) {
            throw new IllegalStateException("the request was already forwarded");
        }
    }
}
