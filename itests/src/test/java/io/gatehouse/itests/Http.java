package io.gatehouse.itests;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/**
 * A tiny blocking HTTP client for tests; every call has a timeout. Requests to the admin API (paths under
 * {@code /api/v1}, and {@code /metrics}) carry a bearer token: {@link #TOKEN}, the bootstrap token every node the tests start is
 * given, unless {@link #token} chose another (or none).
 */
public final class Http {
    /** The admin token of the nodes the tests start (GATEHOUSE_ADMIN_TOKEN, or gatehouse.admin.token). */
    public static final String TOKEN = "gh_integration-tests-admin-token-0123456789";
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    private final Duration timeout;
    private final HttpClient client;
    private final String token;

    public Http() {
        this(DEFAULT_TIMEOUT);
    }

    /** A client whose connections and requests time out after {@code timeout}. */
    public Http(Duration timeout) {
        this(timeout, HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(timeout)
                .build(), TOKEN);
    }

    private Http(Duration timeout, HttpClient client, String token) {
        this.timeout = timeout;
        this.client = client;
        this.token = token;
    }

    /** The same client sending {@code token} to the admin API instead (null: no token). */
    public Http token(String token) {
        return new Http(timeout, client, token);
    }

    public HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return client.send(authorized(HttpRequest.newBuilder(URI.create(url)).timeout(timeout), url).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest.Builder authorized(HttpRequest.Builder b, String url) {
        String path = URI.create(url).getPath();
        if (token != null && (path.startsWith("/api/v1") || path.equals("/metrics"))) {
            b.header("Authorization", "Bearer " + token);
        }
        return b;
    }

    public HttpResponse<String> send(String method, String url, String contentType, String body)
            throws IOException, InterruptedException {
        return send(method, url, contentType, body, Map.of());
    }

    /** A request with extra headers (not restricted ones such as Host). */
    public HttpResponse<String> send(String method, String url, String contentType, String body,
                                     Map<String, String> headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(timeout);
        if (headers.keySet().stream().noneMatch("Authorization"::equalsIgnoreCase)) {
            authorized(b, url);
        }
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
