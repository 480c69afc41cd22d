package io.gatehouse.admin.internal;

import io.gatehouse.api.config.ConfigException;
import io.gatehouse.api.config.ConfigObject;
import io.gatehouse.api.config.ConfigService;
import io.gatehouse.api.config.DeleteRequest;
import io.gatehouse.api.config.ObjectStatus;
import io.gatehouse.api.config.Units;
import io.gatehouse.api.config.Violation;
import io.gatehouse.api.config.WriteMode;
import io.gatehouse.api.config.WriteRequest;
import io.gatehouse.api.config.WriteResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The configuration objects resource. Every write is one {@link ConfigService#submit} call, so the service's
 * all-or-nothing guarantee is the API's: nothing here writes piecemeal. Writes answer asynchronously once
 * the service's future completes (with the request's deadline, {@link WriteOptions}); no thread waits.
 */
final class ObjectsEndpoints {
    private static final String OBJECTS = "/api/v1/objects";
    private static final String OBJECT = "/api/v1/objects/{kind}/{name}";
    static final String VALIDATE = "/api/v1/validate";
    /** The status of an object a dry run would write. */
    static final ObjectStatus NOT_WRITTEN = ObjectStatus.notReady("dry run: nothing was written");
    /** Query parameters every write takes. */
    private static final Set<String> WRITE_QUERY = Set.of("timeout", "group");
    /** How long after a write's deadline the API answers 504 itself if the service has not. */
    private static final long GRACE_MILLIS = 2_000;
    /** An object listed or written a moment ago that another request deleted meanwhile. */
    static final ObjectStatus GONE = ObjectStatus.notReady("it was deleted meanwhile");

    private final ConfigService config;
    private final Rendering rendering;
    private final Supplier<String> ownGroup;

    /** @param ownGroup this node's group (null when it cannot be told), read on every write */
    ObjectsEndpoints(ConfigService config, Rendering rendering, Supplier<String> ownGroup) {
        this.config = config;
        this.rendering = rendering;
        this.ownGroup = ownGroup;
    }

    void register(Router router) {
        router.get(OBJECTS, Set.of("kind"), this::list)
                .async("POST", OBJECTS, WRITE_QUERY, this::create)
                .get(OBJECT, this::get)
                .async("PUT", OBJECT, WRITE_QUERY, this::put)
                .async("DELETE", OBJECT, WRITE_QUERY, this::delete)
                .async("POST", "/api/v1/apply", WRITE_QUERY, this::apply)
                .async("POST", VALIDATE, Set.of(), this::validate);
    }

    private ApiResponse list(ApiRequest request) {
        String kind = request.query("kind");
        refuseTokens(kind);
        if (kind != null && !kinds().contains(kind)) {
            throw new ApiException(400, ConfigException.INVALID,
                    "unknown kind '" + kind + "': known kinds are " + String.join(", ", kinds()));
        }
        List<ConfigObject> objects = config.list(kind).stream()
                .filter(o -> !o.kind().equals(Authenticator.KIND)).toList();
        return ApiResponse.objects(200, rendering.objects(objects, this::status), Map.of());
    }

    /** The kinds this API manages: every kind of the core but tokens, which {@link TokensEndpoints} manages. */
    private List<String> kinds() {
        return config.objectKinds().stream().filter(k -> !k.equals(Authenticator.KIND)).toList();
    }

    /** Tokens are made at /api/v1/tokens (the token is generated there; its hash is never shown). */
    private static void refuseTokens(String kind) {
        if (Authenticator.KIND.equals(kind)) {
            throw new ApiException(400, ConfigException.INVALID, "ApiToken objects are managed at "
                    + TokensEndpoints.TOKENS + ", not here");
        }
    }

    /** The same, for each object of a write: 400 at each offending object's kind. */
    private static List<ConfigObject> refuseTokens(List<ConfigObject> objects) throws ConfigException {
        List<Violation> invalid = new ArrayList<>();
        for (int i = 0; i < objects.size(); i++) {
            if (Authenticator.KIND.equals(objects.get(i).kind())) {
                invalid.add(new Violation((objects.size() > 1 ? "$[" + i + "]" : "$") + ".kind",
                        "ApiToken objects are managed at " + TokensEndpoints.TOKENS + ", not here"));
            }
        }
        if (!invalid.isEmpty()) {
            throw ConfigException.invalid(invalid);
        }
        return objects;
    }

    private ApiResponse get(ApiRequest request) throws ConfigException {
        String kind = request.param("kind");
        refuseTokens(kind);
        String name = request.param("name");
        ConfigObject object = config.get(kind, name).orElseThrow(() -> ConfigException.notFound(kind, name));
        return ApiResponse.ok(rendering.object(object, status(object)));
    }

    /** The object's status as the core reports it now (after a write: the state that write applied). */
    private ObjectStatus status(ConfigObject object) {
        return config.status(object.kind(), object.name()).orElse(GONE);
    }

    /**
     * The statuses of a write's answer: this node's view, except for a write to another group, whose objects
     * this node does not serve (another group's object may even share a kind and name with one of its own).
     */
    private Function<ConfigObject, ObjectStatus> statuses(WriteOptions options) {
        String own = ownGroup.get();
        String group = options.group();
        if (group == null || group.equals(own)) {
            return this::status;
        }
        ObjectStatus elsewhere = ObjectStatus.notReady("group '" + group + "' serves it, not this node"
                + (own == null ? "" : " (group '" + own + "')") + ": read its status from a node of group '"
                + group + "'");
        return o -> elsewhere;
    }

    private CompletionStage<ApiResponse> create(ApiRequest request) throws ConfigException {
        WriteOptions options = WriteOptions.of(request);
        return write(options, WriteMode.CREATE, parse(request)).thenApply(created -> {
            Map<String, String> headers = created.size() == 1
                    ? Map.of("Location", location(created.get(0).object())) : Map.of();
            return ApiResponse.objects(201, rendering.written(created, statuses(options)), headers);
        });
    }

    private CompletionStage<ApiResponse> apply(ApiRequest request) throws ConfigException {
        WriteOptions options = WriteOptions.of(request);
        return write(options, WriteMode.APPLY, parse(request)).thenApply(applied ->
                ApiResponse.objects(200, rendering.written(applied, statuses(options)), Map.of()));
    }

    /** A dry run of {@code /api/v1/apply}: what it would do to each object; nothing is written. */
    private CompletionStage<ApiResponse> validate(ApiRequest request) throws ConfigException {
        List<ConfigObject> objects = parse(request);
        WriteRequest dry = new WriteRequest(null, null, WriteMode.APPLY, objects, WriteOptions.DEFAULT_TIMEOUT);
        return bounded(config.dryRun(dry), WriteOptions.DEFAULT_TIMEOUT).thenApply(results ->
                ApiResponse.objects(200, rendering.written(results, o -> o.revision() == 0 ? NOT_WRITTEN
                        : status(o)), Map.of()));
    }

    private CompletionStage<ApiResponse> put(ApiRequest request) throws ConfigException {
        WriteOptions options = WriteOptions.of(request);
        requireBody(request);
        ConfigObject object = config.parseObject(request.body(), request.format());
        refuseTokens(List.of(object));
        List<Violation> violations = new ArrayList<>();
        if (!object.kind().equals(request.param("kind"))) {
            violations.add(new Violation("$.kind", "'" + object.kind() + "' does not match the kind in the URL, '"
                    + request.param("kind") + "'"));
        }
        if (!object.name().equals(request.param("name"))) {
            violations.add(new Violation("$.name", "'" + object.name() + "' does not match the name in the URL, '"
                    + request.param("name") + "'"));
        }
        if (!violations.isEmpty()) {
            throw ConfigException.invalid(violations);
        }
        return write(options, WriteMode.APPLY, List.of(object)).thenApply(results -> {
            WriteResult applied = results.get(0);
            return ApiResponse.ok(rendering.written(applied, statuses(options).apply(applied.object())));
        });
    }

    private CompletionStage<ApiResponse> delete(ApiRequest request) {
        refuseTokens(request.param("kind"));
        WriteOptions options = WriteOptions.of(request);
        DeleteRequest delete = new DeleteRequest(options.requestId(), options.group(), request.param("kind"),
                request.param("name"), options.timeout());
        return bounded(config.submit(delete), options.timeout()).thenApply(index -> ApiResponse.noContent());
    }

    private CompletableFuture<List<WriteResult>> write(WriteOptions options, WriteMode mode,
                                                       List<ConfigObject> objects) {
        WriteRequest write = new WriteRequest(options.requestId(), options.group(), mode, objects, options.timeout());
        return bounded(config.submit(write), options.timeout());
    }

    /**
     * The service completes a write by its deadline; should it not, the client still gets 504 shortly after
     * (the connection is never left waiting for ever).
     */
    static <T> CompletableFuture<T> bounded(CompletableFuture<T> future, Duration timeout) {
        CompletableFuture<T> out = new CompletableFuture<>();
        future.orTimeout(timeout.toMillis() + GRACE_MILLIS, TimeUnit.MILLISECONDS).whenComplete((v, e) -> {
            if (e == null) {
                out.complete(v);
                return;
            }
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            out.completeExceptionally(cause instanceof TimeoutException
                    ? new ConfigException(504, ConfigException.TIMEOUT, "not committed within "
                    + Units.format(timeout) + "; the write may still commit: retry with the same Idempotency-Key",
                    List.of()) : cause);
        });
        return out;
    }

    private List<ConfigObject> parse(ApiRequest request) throws ConfigException {
        requireBody(request);
        List<ConfigObject> objects = config.parse(request.body(), request.format());
        if (objects.isEmpty()) {
            throw ConfigException.invalid("$", "the request body holds no object");
        }
        return refuseTokens(objects);
    }

    private static void requireBody(ApiRequest request) throws ConfigException {
        if (blank(request.body())) {
            throw ConfigException.invalid("$", "the request body is empty: send one object, an array of objects"
                    + " or a YAML stream of objects");
        }
    }

    /** Only ASCII blanks count: anything else (even bytes that are not UTF-8) is for the parser to judge. */
    private static boolean blank(byte[] body) {
        for (byte b : body) {
            if (b != ' ' && b != '\t' && b != '\n' && b != '\r') {
                return false;
            }
        }
        return true;
    }

    private static String location(ConfigObject object) {
        return OBJECTS + "/" + object.kind() + "/" + object.name();
    }
}
