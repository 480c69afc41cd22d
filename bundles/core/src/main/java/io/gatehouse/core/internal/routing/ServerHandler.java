package io.gatehouse.core.internal.routing;

import io.gatehouse.core.internal.engine.Generation;
import io.gatehouse.core.internal.engine.PipelineRegistry;
import io.gatehouse.core.internal.engine.PipelineRunner;
import io.gatehouse.core.internal.stats.AccessLog;
import io.gatehouse.core.internal.stats.Traffic;
import io.gatehouse.core.internal.stats.TrafficRecorder;
import io.gatehouse.core.internal.stats.UpstreamRecorder;
import io.gatehouse.dataplane.RequestHandler;
import io.gatehouse.dataplane.ServerExchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The request handler of one HTTPServer: matches the compiled route table, then runs the routed
 * pipeline's current generation, looked up by name at request time (so a pipeline update never touches
 * servers). Until the server's change is applied, its table is null and requests get 503. Every request is
 * counted when it ends (the server's and its pipeline's {@link Traffic} counters, and the matched rule's).
 */
public final class ServerHandler implements RequestHandler, PipelineRunner.Ending {
    private static final Logger LOG = LoggerFactory.getLogger(ServerHandler.class);

    private final String server;
    private final PipelineRegistry pipelines;
    private final Traffic traffic;
    private final TrafficRecorder counters;
    private final UpstreamRecorder upstreams;
    private volatile RouteTable routes;

    public ServerHandler(String server, PipelineRegistry pipelines, Traffic traffic) {
        this.server = server;
        this.pipelines = pipelines;
        this.traffic = traffic;
        this.counters = traffic.server(server);
        this.upstreams = traffic.upstream(server);
    }

    /** Publishes a new route table (null: not serving yet). */
    public void routes(RouteTable table) {
        this.routes = table;
    }

    public RouteTable routes() {
        return routes;
    }

    public String server() {
        return server;
    }

    @Override
    public void handle(ServerExchange exchange) {
        AccessLog log = traffic.accessLog();
        AccessLog.Entry line = log != null ? log.watch(exchange) : null;
        Generation generation;
        try {
            generation = route(exchange);
        } catch (RuntimeException e) {
            LOG.error("Routing a request on server '{}' failed", server, e);
            if (exchange.response() == null) {
                exchange.respondError(500, "internal_error", "the gateway failed to route the request");
            }
            generation = null;
        }
        if (generation == null) {
            ending(exchange);
            exchange.end();
            return;
        }
        PipelineRunner.run(generation, exchange, this, line);
    }

    @Override
    public void ending(ServerExchange exchange) {
        int status = exchange.response() == null ? 500 : exchange.response().status();
        long nanos = System.nanoTime() - exchange.startNanos();
        traffic.ended(counters, exchange.pipeline(), status, nanos);
        if (exchange.route() instanceof RouteTable.Hits hits) {
            hits.ended(status);
        }
        upstreams.record(exchange, nanos);
    }

    /** The generation to run, or null when an error response was set and the exchange should just end. */
    private Generation route(ServerExchange exchange) {
        RouteTable table = routes;
        if (table == null) {
            exchange.respondError(503, "server_starting", "server '" + server + "' is not serving yet");
            return null;
        }
        int rule = table.find(exchange.request());
        if (rule < 0) {
            exchange.respondError(404, "no_route", "no route for " + exchange.request().method() + " "
                    + exchange.request().path());
            return null;
        }
        Route route = table.route(rule);
        exchange.route(table.hits(rule));
        String name = route.pipeline();
        exchange.pipeline(name);
        Generation generation = pipelines.current(name);
        if (generation == null) {
            exchange.respondError(503, "pipeline_unavailable", "pipeline '" + name + "' does not exist");
            return null;
        }
        if (!generation.available()) {
            exchange.respondError(503, "pipeline_unavailable", "pipeline '" + name + "' is unavailable: "
                    + generation.unavailableReason());
            return null;
        }
        return generation;
    }
}
