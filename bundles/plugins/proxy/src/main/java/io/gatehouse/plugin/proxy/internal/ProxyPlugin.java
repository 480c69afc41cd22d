package io.gatehouse.plugin.proxy.internal;

import io.gatehouse.api.plugin.Completion;
import io.gatehouse.api.plugin.Exchange;
import io.gatehouse.api.plugin.HttpResponse;
import io.gatehouse.api.plugin.Plugin;
import io.gatehouse.api.plugin.Results;
import io.gatehouse.api.plugin.UpstreamException;
import io.gatehouse.plugin.proxy.internal.lb.Upstream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One proxy instance: picks the pool and the server for an exchange and forwards it, and on a failure the
 * retry policy lists, tries the next server of the pool (nginx {@code proxy_next_upstream}). Everything it
 * holds is immutable or atomic, so one instance serves every event loop without locks; the per-request state
 * is the server's in-flight counter (released when the attempt fails or the exchange completes) and, after a
 * first failure only, the servers tried.
 */
final class ProxyPlugin implements Plugin {
    static final String UPSTREAM_ERROR = "upstreamError";
    static final String NO_SERVER = "noServer";

    private static final Logger LOG = LoggerFactory.getLogger(ProxyPlugin.class);

    private final String where;
    private final List<ServerPool> pools;
    private final Map<String, AtomicInteger> counters;
    private final RetryPolicy retry;

    /**
     * @param where    pipeline and plugin name, for log messages
     * @param pools    in match order
     * @param counters the in-flight counter of every server url (handed to the next generation)
     * @param retry    when to try the next server
     */
    ProxyPlugin(String where, List<ServerPool> pools, Map<String, AtomicInteger> counters, RetryPolicy retry) {
        this.where = where;
        this.pools = List.copyOf(pools);
        this.counters = Map.copyOf(counters);
        this.retry = retry;
    }

    List<ServerPool> pools() {
        return pools;
    }

    Map<String, AtomicInteger> counters() {
        return counters;
    }

    RetryPolicy retry() {
        return retry;
    }

    @Override
    public void handle(Exchange exchange, Completion completion) {
        ServerPool pool = choosePool(exchange);
        if (pool == null) {
            exchange.respondError(503, "no_server", "no upstream pool matches this request");
            completion.complete(NO_SERVER);
            return;
        }
        if (retry.enabled() && exchange.request().hasBody() && pool.servers().size() > 1) {
            exchange.bufferRequestBody(retry.bodyBuffer());
        }
        send(exchange, completion, pool, pool.balancer().pick(exchange), null);
    }

    /** One attempt to {@code server}; {@code failover} is null for the first, the tries so far after. */
    private void send(Exchange exchange, Completion completion, ServerPool pool, Upstream server, Failover failover) {
        server.acquire();
        CompletionStage<HttpResponse> response;
        try {
            response = exchange.forward(server.forward());
        } catch (RuntimeException e) {
            server.release();
            completion.fail(e);
            return;
        }
        response.whenComplete((head, error) -> {
            if (error == null) {
                if (retry.conditions().onStatus(head.status())) {
                    Failover f = failover != null ? failover : new Failover(exchange.startNanos());
                    Upstream next = f.next(exchange, pool, server, retry, null);
                    if (next != null) {
                        LOG.debug("{}: upstream {} answered {}; trying {}", where, server.forward().authority(),
                                head.status(), next.forward().authority());
                        server.release();
                        send(exchange, completion, pool, next, f);
                        return;
                    }
                }
                exchange.onComplete(cause -> server.release());
                completion.complete(Results.SUCCESS);
                return;
            }
            server.release();
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause()
                    : error;
            if (cause instanceof UpstreamException u && retry.conditions().on(u.reason())) {
                Failover f = failover != null ? failover : new Failover(exchange.startNanos());
                Upstream next = f.next(exchange, pool, server, retry, u.reason());
                if (next != null) {
                    LOG.debug("{}: upstream {}: {}; trying {}", where, server.forward().authority(), u.getMessage(),
                            next.forward().authority());
                    send(exchange, completion, pool, next, f);
                    return;
                }
            }
            failed(exchange, completion, server, cause);
        });
    }

    /** The servers an exchange tried; made at its first failure only. Event loop only. */
    static final class Failover {
        private final long startNanos;
        private final List<Upstream> tried = new ArrayList<>(4);

        Failover(long startNanos) {
            this.startNanos = startNanos;
        }

        /**
         * The next server to try after {@code failed}, or null when the request must not be sent again: tries
         * or time used up, a non-idempotent request that reached the server, a body that cannot be replayed,
         * or no server left that was not tried.
         *
         * @param reason why the attempt failed, or null when it answered a listed status
         */
        Upstream next(Exchange exchange, ServerPool pool, Upstream failed, RetryPolicy retry,
                      UpstreamException.Reason reason) {
            tried.add(failed);
            List<Upstream> servers = pool.servers();
            int limit = retry.tries() == 0 ? servers.size() : retry.tries();
            if (tried.size() >= limit) {
                return null;
            }
            if (retry.timeoutNanos() > 0 && System.nanoTime() - startNanos >= retry.timeoutNanos()) {
                return null;
            }
            boolean reached = reason == null || !RetryConditions.neverSent(reason);
            if (reached && !retry.nonIdempotent() && !idempotent(exchange.request().method())) {
                return null;
            }
            if (!exchange.replayable()) {
                return null;
            }
            Upstream picked = pool.balancer().pick(exchange);
            if (!tried.contains(picked)) {
                return picked;
            }
            int from = servers.indexOf(failed);
            for (int i = 1; i <= servers.size(); i++) {
                Upstream s = servers.get((from + i) % servers.size());
                if (!tried.contains(s)) {
                    return s;
                }
            }
            return null;
        }
    }

    /** RFC 9110 9.2.2: requests that may be sent again without a different effect. */
    static boolean idempotent(String method) {
        return switch (method) {
            case "GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE" -> true;
            default -> false;
        };
    }

    private ServerPool choosePool(Exchange exchange) {
        for (int i = 0; i < pools.size(); i++) {
            ServerPool pool = pools.get(i);
            if (pool.matches(exchange.request())) {
                return pool;
            }
        }
        return null;
    }

    private void failed(Exchange exchange, Completion completion, Upstream server, Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (!(cause instanceof UpstreamException upstream)) {
            completion.fail(cause);
            return;
        }
        String code = switch (upstream.reason()) {
            case CONNECT_TIMEOUT, READ_TIMEOUT -> "upstream_timeout";
            case CLIENT_ABORTED -> "client_aborted";
            default -> "upstream_error";
        };
        String message = "upstream " + server.forward().authority() + ": " + upstream.getMessage();
        LOG.debug("{}: {} ({})", where, message, upstream.reason());
        try {
            exchange.respondError(upstream.status(), code, message);
        } catch (RuntimeException e) {
            e.addSuppressed(upstream);
            completion.fail(e);
            return;
        }
        completion.complete(UPSTREAM_ERROR);
    }
}
