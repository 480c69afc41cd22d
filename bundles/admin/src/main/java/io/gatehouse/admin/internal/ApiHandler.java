package io.gatehouse.admin.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.gatehouse.api.cluster.GroupAuthenticator;
import io.gatehouse.api.config.ConfigException;
import io.gatehouse.api.config.ConfigFormat;
import io.gatehouse.api.config.Violation;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin API's single Jetty handler: routes the request, reads the body (bounded, asynchronously) for
 * routes that take one, runs the endpoint and writes its answer, mapping every failure to the JSON error
 * shape. The callback is completed exactly once on every path, including unexpected exceptions (500).
 * Endpoints run on Jetty's bounded pool; writes answer asynchronously when their commit completes (each with
 * a deadline), so no Jetty thread waits for a commit.
 */
final class ApiHandler extends Handler.Abstract {
    private static final Logger LOG = LoggerFactory.getLogger(ApiHandler.class);

    private static final String CHALLENGE = "Bearer realm=\"gatehouse\"";
    private static final String INVALID_TOKEN = CHALLENGE + ", error=\"invalid_token\"";

    private final Router router;
    private final Rendering rendering;
    private final int maxRequestSize;
    private final Authenticator authenticator;
    private final AuditLog audit;

    ApiHandler(Router router, Rendering rendering, int maxRequestSize, Authenticator authenticator, AuditLog audit) {
        this.router = router;
        this.rendering = rendering;
        this.maxRequestSize = maxRequestSize;
        this.authenticator = authenticator;
        this.audit = audit;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        Exchange exchange = new Exchange(request, response, callback);
        try {
            String path = request.getHttpURI().getCanonicalPath();
            Router.Match match = path == null ? null : router.match(request.getMethod(), path);
            // who asks comes first: without a token, every path answers the same 401 (none tells whether it exists)
            Caller caller = match != null && match.found() && match.route().open()
                    ? (match.route().method().equals("GET") ? optional(request) : Caller.CLUSTER)
                    : authenticate(request, response);
            exchange.caller = caller;
            if (match == null) {
                throw new ApiException(404, ConfigException.NOT_FOUND, "no such resource: " + path);
            }
            if (!match.found()) {
                response.getHeaders().put(HttpHeader.ALLOW, String.join(", ", match.allowed()));
                throw new ApiException(405, "method_not_allowed", request.getMethod() + " is not allowed on "
                        + path + ": use " + String.join(", ", match.allowed()));
            }
            exchange.route = match.route();
            if (caller.access() == Caller.Access.READ && match.route().access() == Caller.Access.ADMIN) {
                throw new ApiException(403, "forbidden", "token '" + caller.name() + "' has the read role: "
                        + request.getMethod() + " needs an admin token");
            }
            Fields query = query(request, match.route());
            String target = request.getHttpURI().getPathQuery();
            if (!match.route().body()) {
                exchange.run(new ApiRequest(match.params(), query, new byte[0], ConfigFormat.JSON, request.getHeaders(),
                        target, caller), match.route());
                return true;
            }
            Optional<ConfigFormat> declared = declaredFormat(request.getHeaders());
            if (request.getLength() > maxRequestSize + BodyReader.DRAIN_LIMIT) {
                throw BodyReader.tooLarge(maxRequestSize);
            }
            new BodyReader(request, maxRequestSize,
                    body -> exchange.run(new ApiRequest(match.params(), query, body,
                            declared.orElseGet(() -> MediaTypes.sniff(body)), request.getHeaders(), target,
                            caller),
                            match.route()),
                    exchange::fail).run();
        } catch (Throwable t) {
            exchange.fail(t);
        }
        return true;
    }

    /** On an open route: the caller a valid bearer token names, else anonymous (never a 401). */
    private Caller optional(Request request) {
        Caller caller = authenticator.authenticate(request.getHeaders().getValuesList(HttpHeader.AUTHORIZATION));
        return caller != null ? caller : Caller.ANONYMOUS;
    }

    /** The caller named by the request's bearer token; 401 with a Bearer challenge when there is none. */
    private Caller authenticate(Request request, Response response) {
        if (request.getHeaders().contains(GroupAuthenticator.SIGNATURE_HEADER)) {
            return signed(request, response);
        }
        List<String> authorization = request.getHeaders().getValuesList(HttpHeader.AUTHORIZATION);
        Caller caller = authenticator.authenticate(authorization);
        if (caller != null) {
            return caller;
        }
        if (authorization.isEmpty()) {
            response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, CHALLENGE);
            throw new ApiException(401, "unauthorized", "this API needs a token: send 'Authorization: Bearer <token>'"
                    + " (a node's first start writes one to data/admin.token, or takes " + BootstrapToken.VARIABLE
                    + "; docs/operations.md)");
        }
        response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, INVALID_TOKEN);
        throw new ApiException(401, "unauthorized", "the bearer token is not valid here: unknown, revoked, made for"
                + " another group, or not sent as one 'Authorization: Bearer <token>' field");
    }

    /**
     * A GET signed by another node with the cluster secret (cluster-wide statistics gather other groups'
     * reports so): it may read, nothing more. Checked by the cluster bundle's authenticator (401 while it is
     * absent or when the signature is wrong, stale or replayed).
     */
    private Caller signed(Request request, Response response) {
        GroupAuthenticator cluster = authenticator.cluster();
        HttpFields h = request.getHeaders();
        GroupAuthenticator.Verdict verdict = cluster == null
                ? GroupAuthenticator.Verdict.refuse("this node's cluster service is not running")
                : cluster.verify(request.getMethod(), request.getHttpURI().getPathQuery(), new byte[0],
                        ForwardEndpoint.header(h, GroupAuthenticator.NODE_HEADER),
                        ForwardEndpoint.header(h, GroupAuthenticator.TIMESTAMP_HEADER),
                        ForwardEndpoint.header(h, GroupAuthenticator.SIGNATURE_HEADER));
        if (!verdict.accepted() || !request.getMethod().equals("GET")) {
            response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, INVALID_TOKEN);
            throw new ApiException(401, "unauthorized", "a signed request must be a GET signed with the cluster secret: "
                    + (verdict.accepted() ? request.getMethod() + " is not" : verdict.reason()));
        }
        return new Caller("node " + ForwardEndpoint.header(h, GroupAuthenticator.NODE_HEADER), Caller.Access.READ);
    }

    /** The query parameters, each one the route takes and given at most once (400 otherwise). */
    private static Fields query(Request request, Router.Route route) {
        Fields query = Request.extractQueryParameters(request);
        for (Fields.Field field : query) {
            if (!route.query().contains(field.getName())) {
                String known = route.query().isEmpty() ? "this resource takes none"
                        : "known: " + String.join(", ", new TreeSet<>(route.query()));
                throw new ApiException(400, ConfigException.INVALID, "unknown query parameter '" + field.getName()
                        + "': " + known);
            }
            if (field.getValues().size() > 1) {
                throw new ApiException(400, ConfigException.INVALID, "query parameter '" + field.getName()
                        + "' is given " + field.getValues().size() + " times: give it once");
            }
        }
        return query;
    }

    /**
     * The body's format from its one Content-Type (empty: sniff it). Two Content-Type fields are refused
     * rather than one of them picked; so is a Content-Encoding (a compressed body is not a document).
     */
    private static Optional<ConfigFormat> declaredFormat(HttpFields headers) {
        List<String> types = headers.getValuesList(HttpHeader.CONTENT_TYPE);
        if (types.size() > 1) {
            throw new ApiException(400, "bad_request", "the request has " + types.size()
                    + " Content-Type headers: send exactly one");
        }
        List<String> encodings = headers.getValuesList(HttpHeader.CONTENT_ENCODING);
        for (String encoding : encodings) {
            if (!encoding.isBlank() && !encoding.trim().equalsIgnoreCase("identity")) {
                throw new ApiException(415, "unsupported_media_type", "Content-Encoding is not supported: send the"
                        + " body uncompressed");
            }
        }
        return MediaTypes.declaredFormat(types.isEmpty() ? null : types.get(0));
    }

    /** Every Accept field, as one list (a client may send several). */
    private static String accept(Request request) {
        List<String> values = request.getHeaders().getValuesList(HttpHeader.ACCEPT);
        return values.isEmpty() ? null : String.join(",", values);
    }

    /** One request/response pair; owns the callback and completes it once. */
    private final class Exchange {
        private final Request request;
        private final Response response;
        private final Callback callback;
        /** Who sent it, once authenticated. */
        Caller caller;
        /** The route it took, once routed. */
        Router.Route route;

        Exchange(Request request, Response response, Callback callback) {
            this.request = request;
            this.response = response;
            this.callback = callback;
        }

        /**
         * Runs the endpoint and writes its answer once it is there (an asynchronous endpoint completes it on
         * another thread; no Jetty thread waits for it); any failure up to the write becomes an error response.
         */
        void run(ApiRequest apiRequest, Router.Route route) {
            CompletionStage<ApiResponse> stage;
            try {
                stage = route.run(apiRequest);
            } catch (Throwable t) {
                fail(t);
                return;
            }
            stage.whenComplete((answer, failure) -> {
                if (failure != null) {
                    fail(failure instanceof CompletionException && failure.getCause() != null ? failure.getCause()
                            : failure);
                } else {
                    answer(answer);
                }
            });
        }

        private void answer(ApiResponse answer) {
            String contentType = null;
            byte[] body = null;
            try {
                if (answer.raw() != null) {
                    contentType = answer.rawType();
                    body = answer.raw();
                } else if (answer.body() != null && MediaTypes.prefersYaml(accept(request))) {
                    contentType = MediaTypes.YAML;
                    body = rendering.yaml(answer.body(), answer.documents());
                } else if (answer.body() != null) {
                    contentType = MediaTypes.JSON;
                    body = rendering.json(answer.body());
                }
            } catch (Throwable t) {
                fail(t);
                return;
            }
            answer.headers().forEach((name, value) -> response.getHeaders().put(name, value));
            audit(answer.status(), answer.body(), null);
            write(answer.status(), contentType, body);
        }

        void fail(Throwable failure) {
            JsonNode body;
            int status;
            if (failure instanceof ConfigException e) {
                status = e.status();
                body = rendering.error(status, e.code(), e.getMessage(), e.violations());
                if (status >= 500) {
                    LOG.warn("{} {} failed: {}", request.getMethod(), request.getHttpURI().getPath(), e.getMessage(),
                            e);
                }
            } else if (failure instanceof ApiException e) {
                status = e.status();
                body = rendering.error(status, e.code(), e.getMessage(), e.violations());
            } else if (failure instanceof HttpException e && e.getCode() < 500) {
                // Jetty's own verdict on the request, such as an undecodable query string
                status = e.getCode();
                String reason = e.getReason() == null ? "bad request" : e.getReason();
                body = rendering.error(status, Rendering.codeFor(status), reason, List.<Violation>of());
            } else {
                status = 500;
                LOG.error("{} {} failed unexpectedly", request.getMethod(), request.getHttpURI().getPath(), failure);
                body = rendering.error(500, "internal", "internal error (" + failure.getClass().getSimpleName()
                        + "); the server log has the details", List.<Violation>of());
            }
            audit(status, null, body);
            if (response.isCommitted()) {
                callback.failed(failure);
                return;
            }
            write(status, MediaTypes.JSON, rendering.json(body));
        }

        /**
         * A line in the audit log for every request that is not a read, except those refused for want of a
         * valid token (anybody who reaches the port can send them, and they must not roll the audit log away)
         * and dry runs, which write nothing (the console validates as the user types).
         */
        private void audit(int status, JsonNode body, JsonNode error) {
            String method = request.getMethod();
            if (method.equals("GET") || method.equals("HEAD") || (caller == null && status == 401)
                    || (route != null && route.path().equals(ObjectsEndpoints.VALIDATE))) {
                return;
            }
            try {
                audit.write(caller, Request.getRemoteAddr(request), method, request.getHttpURI().getPathQuery(),
                        status, body, error);
            } catch (RuntimeException e) {
                LOG.warn("An audit line could not be written", e);
            }
        }

        private void write(int status, String contentType, byte[] body) {
            response.setStatus(status);
            if (body == null) {
                callback.succeeded();
                return;
            }
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
            response.write(true, ByteBuffer.wrap(body), callback);
        }
    }
}
