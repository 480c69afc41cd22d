package io.gatehouse.itests;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/** A tiny blocking HTTP client for tests; every call has a timeout. */
public final class Http {
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    private final Duration timeout;
    private final HttpClient client;

    public Http() {
        this(DEFAULT_TIMEOUT);
    }

    /** A client whose connections and requests time out after {@code timeout}. */
    public Http(Duration timeout) {
        this.timeout = timeout;
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(timeout)
                .build();
    }

    public HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(URI.create(url)).timeout(timeout).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<String> send(String method, String url, String contentType, String body)
            throws IOException, InterruptedException {
        return send(method, url, contentType, body, Map.of());
    }

    /** A request with extra headers (not restricted ones such as Host). */
    public HttpResponse<String> send(String method, String url, String contentType, String body,
                                     Map<String, String> headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(timeout);
        headers.forEach(b::header);
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /**
     * True when the admin API at {@code admin} ({@code http://host:port}) answers its health, names its group's
     * leader and is not stale: this node's cluster service runs and writes sent to it go through (a node
     * answers its health a few seconds before its cluster service has joined and found the leader).
     */
    public boolean writable(String admin) {
        try {
            HttpResponse<String> r = get(admin + "/api/v1/health");
            return r.statusCode() == 200 && r.body().matches("(?s).*\"leader\":\"[^\"]+\".*")
                    && !r.body().contains("\"stale\":true");
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Status of a GET, or -1 when the connection fails (used while waiting for a server to come up). */
    public int status(String url) {
        try {
            return get(url).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }
}
