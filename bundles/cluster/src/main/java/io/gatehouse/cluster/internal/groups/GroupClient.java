package io.gatehouse.cluster.internal.groups;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gatehouse.api.cluster.ConsensusException;
import io.gatehouse.api.cluster.ConsensusException.Reason;
import io.gatehouse.api.cluster.GroupAuthenticator;
import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends writes to other groups (docs/cluster.md, "Writes to another group"): a signed
 * {@code POST <address>}{@value GroupAuthenticator#FORWARD_PATH} to the admin API of one of the target group's
 * nodes, trying its addresses in turn ({@link GroupAddresses}) within the write's deadline. Completes with the
 * answer bytes of that group's leader, or a {@link ConsensusException}: the one a node of that group answered
 * with, {@code NO_LEADER} when no address took the write, {@code TIMEOUT} when the deadline passed first.
 *
 * <p>Nothing blocks: the attempts are chained on the {@link HttpClient}'s executor (2 threads, bounded queue);
 * at most {@link #MAX_IN_FLIGHT} writes are in flight (more are refused at once). {@link #close()} fails the
 * writes in flight with {@code STOPPED} and stops the executor; the JDK client's own selector thread ends once
 * the client is unreachable (Java 17's {@code HttpClient} has no {@code close()}).
 */
public final class GroupClient implements AutoCloseable {
    /** Connect timeout of one attempt. */
    public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(1);
    /** Writes to other groups in flight at once, at most. */
    public static final int MAX_IN_FLIGHT = 16;
    /** No attempt starts with less time left. */
    static final Duration MIN_ATTEMPT = Duration.ofMillis(100);
    /** The receiving node gets the time left minus this (or 10 %, whichever is more; at most half). */
    static final Duration MIN_MARGIN = Duration.ofMillis(300);
    /** Largest answer read. */
    static final int MAX_ANSWER = 16 * 1024 * 1024;

    private static final Logger LOG = LoggerFactory.getLogger(GroupClient.class);

    private final String self;
    private final String ownGroup;
    private final Map<String, GroupAddresses> groups;
    private final GroupSignature signature;
    private final LongSupplier nanos;
    private final ThreadPoolExecutor executor;
    private final HttpClient http;
    private final Semaphore permits = new Semaphore(MAX_IN_FLIGHT);
    private final Set<Call> calls = ConcurrentHashMap.newKeySet();
    private final ObjectMapper json = new ObjectMapper();
    private volatile boolean closed;

    /**
     * @param self     this node's name (signed into every request)
     * @param ownGroup this node's group (for messages)
     * @param groups   admin addresses by group ({@code groups.<name>})
     */
    public GroupClient(String self, String ownGroup, Map<String, List<String>> groups, GroupSignature signature,
                       SSLContext tls) {
        this(self, ownGroup, groups, signature, tls, System::nanoTime);
    }

    /** @param tls the context of {@code https://} addresses ({@link GroupTls#context}) */
    GroupClient(String self, String ownGroup, Map<String, List<String>> groups, GroupSignature signature,
                SSLContext tls, LongSupplier nanos) {
        this.self = Objects.requireNonNull(self, "self");
        this.ownGroup = Objects.requireNonNull(ownGroup, "ownGroup");
        this.signature = Objects.requireNonNull(signature, "signature");
        this.nanos = nanos;
        Map<String, GroupAddresses> g = new TreeMap<>();
        groups.forEach((name, addresses) -> g.put(name, new GroupAddresses(name, addresses)));
        this.groups = Map.copyOf(g);
        AtomicInteger count = new AtomicInteger();
        this.executor = new ThreadPoolExecutor(2, 2, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(1024), r -> {
            Thread t = new Thread(r, "gatehouse-groups-" + self + "-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        executor.allowCoreThreadTimeOut(true);
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(CONNECT_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NEVER)
                .proxy(HttpClient.Builder.NO_PROXY)
                .sslContext(tls)
                .executor(executor)
                .build();
    }

    /** The groups this node reaches, sorted. */
    public Set<String> groups() {
        return new java.util.TreeSet<>(groups.keySet());
    }

    /** The address a write to {@code group} tries first now (tests, status). */
    String preferred(String group) {
        return groups.get(group).preferred();
    }

    /**
     * Sends {@code request} (the core's forward bytes) to a node of {@code group}, which submits it to its
     * group's leader. Completes by {@code timeout} (plus the time an answer already on its way takes to read).
     */
    public CompletableFuture<byte[]> forward(String group, byte[] request, Duration timeout) {
        GroupAddresses addresses = groups.get(group);
        if (addresses == null) {
            return CompletableFuture.failedFuture(new ConsensusException(Reason.UNKNOWN_GROUP, "unknown group '"
                    + group + "': this node is in group '" + ownGroup + "' and reaches groups " + groups()
                    + " (groups.<name> in io.gatehouse.cluster)", (String) null));
        }
        if (closed) {
            return CompletableFuture.failedFuture(stopped());
        }
        if (!permits.tryAcquire()) {
            return CompletableFuture.failedFuture(new ConsensusException(Reason.OVERLOADED, "busy: " + MAX_IN_FLIGHT
                    + " writes to other groups are in flight on " + self + "; try again later", (String) null));
        }
        Call call = new Call(addresses, request, nanos.getAsLong() + timeout.toNanos());
        calls.add(call);
        call.result.whenComplete((v, e) -> {
            calls.remove(call);
            permits.release();
        });
        if (closed) {
            call.fail(stopped());
        } else {
            attempt(call);
        }
        return call.result;
    }

    /** Fails the writes in flight with STOPPED (their requests are cancelled) and stops the executor. */
    @Override
    public void close() {
        closed = true;
        for (Call call : calls) {
            CompletableFuture<?> sending = call.sending;
            if (sending != null) {
                sending.cancel(true);
            }
            call.fail(stopped());
        }
        executor.shutdownNow();
    }

    private void attempt(Call call) {
        if (call.result.isDone()) {
            return;
        }
        if (closed) {
            call.fail(stopped());
            return;
        }
        String address = call.nextAddress();
        if (address == null) {
            call.fail(call.exhausted());
            return;
        }
        long left = call.deadline - nanos.getAsLong();
        if (left < MIN_ATTEMPT.toNanos()) {
            call.fail(call.outOfTime());
            return;
        }
        long margin = Math.min(Math.max(MIN_MARGIN.toNanos(), left / 10), left / 2);
        long remoteMillis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(left - margin));
        String target = GroupAuthenticator.FORWARD_PATH + "?group=" + call.addresses.group() + "&timeout="
                + remoteMillis + "ms";
        CompletableFuture<HttpResponse<byte[]>> sent;
        try {
            GroupSignature.Signed signed = signature.sign("POST", target, call.body, self);
            HttpRequest request = HttpRequest.newBuilder(GroupTls.uri(address, target))
                    .timeout(Duration.ofNanos(left))
                    .header("Content-Type", "application/octet-stream")
                    .header("Accept", "application/json")
                    .header(GroupAuthenticator.NODE_HEADER, signed.node())
                    .header(GroupAuthenticator.TIMESTAMP_HEADER, signed.timestamp())
                    .header(GroupAuthenticator.SIGNATURE_HEADER, signed.signature())
                    .POST(HttpRequest.BodyPublishers.ofByteArray(call.body))
                    .build();
            sent = http.sendAsync(request, BoundedBody.handler(MAX_ANSWER));
        } catch (RuntimeException e) {
            sent = CompletableFuture.failedFuture(e);
        }
        call.sending = sent;
        if (call.result.isDone()) {
            sent.cancel(true);
        }
        sent.whenComplete((response, failure) -> answered(call, address, response, failure));
    }

    private void answered(Call call, String address, HttpResponse<byte[]> response, Throwable failure) {
        if (call.result.isDone()) {
            return;
        }
        String group = call.addresses.group();
        if (failure != null) {
            Throwable t = unwrap(failure);
            if (closed || t instanceof CancellationException) {
                call.fail(stopped());
            } else if (t instanceof HttpConnectTimeoutException) {
                next(call, address, "not connected within " + CONNECT_TIMEOUT.toMillis() + " ms");
            } else if (t instanceof HttpTimeoutException) {
                call.addresses.failed(address);
                call.fail(new ConsensusException(Reason.TIMEOUT, "no answer from " + address + " (group " + group
                        + ") within the deadline; the write may still commit", t));
            } else if (t instanceof ConnectException) {
                next(call, address, "connection refused");
            } else {
                next(call, address, describe(t));
            }
            return;
        }
        int status = response.statusCode();
        if (status == 200) {
            call.addresses.answered(address);
            call.result.complete(response.body());
            return;
        }
        JsonNode body = readJson(response.body());
        Reason reason = reason(body);
        String message = body == null ? "" : body.path("message").asText("");
        if (reason != null && (status == 503 || status == 504)) {
            String leader = body.path("leader").isTextual() ? body.path("leader").asText() : null;
            ConsensusException refused = new ConsensusException(reason, message, leader);
            switch (reason) {
                case NO_LEADER, NOT_LEADER, STOPPED -> {
                    call.refusal = refused;
                    next(call, address, status + " " + reason + ": " + message);
                }
                default -> {
                    call.addresses.answered(address);
                    call.fail(refused);
                }
            }
            return;
        }
        next(call, address, status + (message.isEmpty() ? "" : ": " + message));
    }

    /** {@code address} did not take the write: noted, no longer preferred; the next address is tried. */
    private void next(Call call, String address, String why) {
        LOG.debug("A write to group {} was not taken by {}: {}", call.addresses.group(), address, why);
        call.tried(address + ": " + why);
        call.addresses.failed(address);
        attempt(call);
    }

    private JsonNode readJson(byte[] body) {
        if (body == null || body.length == 0) {
            return null;
        }
        try {
            JsonNode n = json.readTree(body);
            return n != null && n.isObject() ? n : null;
        } catch (IOException e) {
            return null;
        }
    }

    private static Reason reason(JsonNode body) {
        if (body == null || !body.path("reason").isTextual()) {
            return null;
        }
        return Reason.parse(body.path("reason").asText(), null);
    }

    private ConsensusException stopped() {
        return new ConsensusException(Reason.STOPPED, "the cluster service of " + self + " is stopped", (String) null);
    }

    private static String describe(Throwable t) {
        String m = t.getMessage();
        return t.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : " " + m);
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** One write on its way: the addresses left to try, what the tried ones said, the outcome. */
    private static final class Call {
        final GroupAddresses addresses;
        final List<String> order;
        final byte[] body;
        final long deadline;
        final CompletableFuture<byte[]> result = new CompletableFuture<>();
        private final List<String> tried = new ArrayList<>();
        private int next;
        /** The last NO_LEADER / NOT_LEADER / STOPPED a node of the group answered with. */
        volatile ConsensusException refusal;
        volatile CompletableFuture<?> sending;

        Call(GroupAddresses addresses, byte[] body, long deadline) {
            this.addresses = addresses;
            this.order = addresses.order();
            this.body = body;
            this.deadline = deadline;
        }

        synchronized String nextAddress() {
            return next < order.size() ? order.get(next++) : null;
        }

        synchronized void tried(String what) {
            tried.add(what);
        }

        void fail(ConsensusException e) {
            result.completeExceptionally(e);
        }

        /** Every address tried: what a node of the group refused with, or that none took it. */
        synchronized ConsensusException exhausted() {
            if (refusal != null) {
                return refusal;
            }
            String message = "no node of group '" + addresses.group() + "' took the write (tried "
                    + String.join("; ", tried) + ")";
            LOG.warn("{}", message);
            return new ConsensusException(Reason.NO_LEADER, message, (String) null);
        }

        /** Out of time before an address took it: unknown whether one of the tries arrived. */
        synchronized ConsensusException outOfTime() {
            if (refusal != null) {
                return refusal;
            }
            return new ConsensusException(Reason.TIMEOUT, "the deadline passed before a node of group '"
                    + addresses.group() + "' took the write" + (tried.isEmpty() ? "" : " (tried "
                    + String.join("; ", tried) + ")") + "; it may still commit", (String) null);
        }
    }
}
