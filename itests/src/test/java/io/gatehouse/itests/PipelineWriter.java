package io.gatehouse.itests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes Pipelines through nodes' admin APIs ({@code PUT /api/v1/objects/Pipeline/<name>?timeout=...} with an
 * {@code Idempotency-Key}) and records every write a node acknowledged (2xx) with the revision it answered, for
 * {@link LogChecker}. Thread-safe: fault tests write from several threads.
 */
public final class PipelineWriter {
    /** What one attempt got: an HTTP status, or -1 when no answer came (connection refused, client timeout). */
    public record Outcome(String node, String name, String key, int status, long revision, String body, long millis) {
        public boolean acked() {
            return status >= 200 && status < 300;
        }

        /** A refusal the API documents for a write that could not be committed now (503) or in time (504). */
        public boolean refused() {
            return status == 503 || status == 504;
        }

        @Override
        public String toString() {
            return key + " via " + node + ": " + (status < 0 ? "no answer" : String.valueOf(status))
                    + (acked() ? " revision " + revision : "") + " after " + millis + " ms"
                    + (acked() || body.isEmpty() ? "" : " " + (body.length() > 200 ? body.substring(0, 200) : body));
        }
    }

    private final ClusterHarness cluster;
    private final Http http;
    private final ObjectMapper json = new ObjectMapper();
    private final List<LogChecker.Ack> acks = new ArrayList<>();

    /**
     * @param httpTimeout the client's deadline per attempt: longer than the write's {@code ?timeout=} plus the 2 s
     *                    the API takes at most after it, so that a live node's answer is always read
     */
    public PipelineWriter(ClusterHarness cluster, Duration httpTimeout) {
        this.cluster = cluster;
        this.http = new Http(httpTimeout);
    }

    /** A PUT of Pipeline {@code name} through {@code node}; a 2xx is recorded as acknowledged. */
    public Outcome put(String node, String name, String key, Duration timeout, long minEpoch) {
        String url = cluster.node(node).adminUrl() + "/api/v1/objects/Pipeline/" + name + "?timeout="
                + timeout.toMillis() + "ms";
        long t0 = System.nanoTime();
        int status;
        String body;
        try {
            HttpResponse<String> r = http.send("PUT", url, "application/json", pipeline(name),
                    Map.of("Idempotency-Key", key));
            status = r.statusCode();
            body = r.body();
        } catch (IOException e) {
            status = -1;
            body = e.toString();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            status = -1;
            body = e.toString();
        }
        long millis = (System.nanoTime() - t0) / 1_000_000;
        long revision = -1;
        if (status >= 200 && status < 300) {
            JsonNode o;
            try {
                o = json.readTree(body);
            } catch (IOException e) {
                throw new AssertionError(node + " acknowledged " + key + " with an unreadable answer: " + body, e);
            }
            revision = o.path("revision").asLong(-1);
            if (revision < 1 || !name.equals(o.path("name").asText())) {
                throw new AssertionError(node + " acknowledged " + key + " without its object and revision: " + body);
            }
            synchronized (acks) {
                acks.add(new LogChecker.Ack(key, "Pipeline", name, revision, minEpoch, node));
            }
        }
        return new Outcome(node, name, key, status, revision, body, millis);
    }

    /** Every acknowledged write so far. */
    public List<LogChecker.Ack> acks() {
        synchronized (acks) {
            return List.copyOf(acks);
        }
    }

    static String pipeline(String name) {
        return "{\"kind\":\"Pipeline\",\"name\":\"" + name + "\",\"spec\":{\"plugins\":[{\"name\":\"answer\","
                + "\"kind\":\"mock\",\"spec\":{\"body\":\"" + name + "\\n\"}}]}}";
    }
}
