package io.gatehouse.plugin.proxy.internal;

import io.gatehouse.api.plugin.Completion;
import io.gatehouse.api.plugin.Exchange;
import io.gatehouse.api.plugin.Plugin;
import io.gatehouse.api.plugin.Results;
import io.gatehouse.api.plugin.UpstreamException;
import io.gatehouse.plugin.proxy.internal.lb.Upstream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One proxy instance: picks the pool and the server for an exchange and forwards it. Everything it holds
 * is immutable or atomic, so one instance serves every event loop without locks; the only per-request
 * state is the server's in-flight counter, released when the exchange completes.
 */
final class ProxyPlugin implements Plugin {
    static final String UPSTREAM_ERROR = "upstreamError";
    static final String NO_SERVER = "noServer";

    private static final Logger LOG = LoggerFactory.getLogger(ProxyPlugin.class);

    private final String where;
    private final List<ServerPool> pools;
    private final Map<String, AtomicInteger> counters;

    /**
     * @param where    pipeline and plugin name, for log messages
     * @param pools    in match order
     * @param counters the in-flight counter of every server url (handed to the next generation)
     */
    ProxyPlugin(String where, List<ServerPool> pools, Map<String, AtomicInteger> counters) {
        this.where = where;
        this.pools = List.copyOf(pools);
        this.counters = Map.copyOf(counters);
    }

    List<ServerPool> pools() {
        return pools;
    }

    Map<String, AtomicInteger> counters() {
        return counters;
    }

    @Override
    public void handle(Exchange exchange, Completion completion) {
        ServerPool pool = choosePool(exchange);
        if (pool == null) {
            exchange.respondError(503, "no_server", "no upstream pool matches this request");
            completion.complete(NO_SERVER);
            return;
        }
        Upstream server = pool.balancer().pick(exchange);
        server.acquire();
        exchange.onComplete(cause -> server.release());
        CompletionStage<?> response;
        try {
            response = exchange.forward(server.forward());
        } catch (RuntimeException e) {
            completion.fail(e);
            return;
        }
        response.whenComplete((head, error) -> {
            if (error == null) {
                completion.complete(Results.SUCCESS);
            } else {
                failed(exchange, completion, server, error);
            }
        });
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
