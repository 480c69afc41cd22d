package io.gatehouse.plugin.mock.internal.fake;

import io.gatehouse.api.plugin.Headers;
import io.gatehouse.api.plugin.HttpRequest;

/** Test double of {@link HttpRequest}. */
public final class FakeRequest implements HttpRequest {
    private final FakeHeaders headers = new FakeHeaders();
    private String method;
    private String uri;
    private String protocol = "HTTP/1.1";

    public FakeRequest(String method, String uri) {
        this.method = method;
        this.uri = uri;
    }

    public FakeRequest protocol(String protocol) {
        this.protocol = protocol;
        return this;
    }

    public FakeRequest header(String name, String value) {
        headers.add(name, value);
        return this;
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
        return protocol;
    }

    @Override
    public Headers headers() {
        return headers;
    }

    @Override
    public String host() {
        String host = headers.get("Host");
        if (host == null) {
            return null;
        }
        int colon = host.lastIndexOf(':');
        return colon > 0 && host.indexOf(']') < colon ? host.substring(0, colon) : host;
    }

    @Override
    public long contentLength() {
        String length = headers.get("Content-Length");
        return length == null ? 0 : Long.parseLong(length);
    }

    @Override
    public boolean hasBody() {
        return contentLength() != 0;
    }
}
