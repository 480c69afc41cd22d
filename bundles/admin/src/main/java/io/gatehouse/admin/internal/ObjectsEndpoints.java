package io.gatehouse.admin.internal;

import io.gatehouse.api.config.ConfigException;
import io.gatehouse.api.config.ConfigObject;
import io.gatehouse.api.config.ConfigService;
import io.gatehouse.api.config.ObjectStatus;
import io.gatehouse.api.config.Violation;
import io.gatehouse.api.config.WriteMode;
import io.gatehouse.api.config.WriteResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The configuration objects resource. Every write is one {@link ConfigService} call, so the service's
 * all-or-nothing guarantee is the API's: nothing here writes piecemeal.
 */
final class ObjectsEndpoints {
    private static final String OBJECTS = "/api/v1/objects";
    private static final String OBJECT = "/api/v1/objects/{kind}/{name}";
    /** An object listed or written a moment ago that another request deleted meanwhile. */
    static final ObjectStatus GONE = ObjectStatus.notReady("it was deleted meanwhile");

    private final ConfigService config;
    private final Rendering rendering;

    ObjectsEndpoints(ConfigService config, Rendering rendering) {
        this.config = config;
        this.rendering = rendering;
    }

    void register(Router router) {
        router.get(OBJECTS, Set.of("kind"), this::list)
                .post(OBJECTS, this::create)
                .get(OBJECT, this::get)
                .put(OBJECT, this::put)
                .delete(OBJECT, this::delete)
                .post("/api/v1/apply", this::apply);
    }

    private ApiResponse list(ApiRequest request) {
        String kind = request.query("kind");
        if (kind != null && !config.objectKinds().contains(kind)) {
            throw new ApiException(400, ConfigException.INVALID,
                    "unknown kind '" + kind + "': known kinds are " + String.join(", ", config.objectKinds()));
        }
        return ApiResponse.objects(200, rendering.objects(config.list(kind), this::status), Map.of());
    }

    private ApiResponse get(ApiRequest request) throws ConfigException {
        String kind = request.param("kind");
        String name = request.param("name");
        ConfigObject object = config.get(kind, name).orElseThrow(() -> ConfigException.notFound(kind, name));
        return ApiResponse.ok(rendering.object(object, status(object)));
    }

    /** The object's status as the core reports it now (after a write: the state that write applied). */
    private ObjectStatus status(ConfigObject object) {
        return config.status(object.kind(), object.name()).orElse(GONE);
    }

    private ApiResponse create(ApiRequest request) throws ConfigException {
        List<WriteResult> created = config.write(WriteMode.CREATE, parse(request));
        Map<String, String> headers = created.size() == 1 ? Map.of("Location", location(created.get(0).object()))
                : Map.of();
        return ApiResponse.objects(201, rendering.written(created, this::status), headers);
    }

    private ApiResponse apply(ApiRequest request) throws ConfigException {
        return ApiResponse.objects(200, rendering.written(config.write(WriteMode.APPLY, parse(request)),
                this::status), Map.of());
    }

    private ApiResponse put(ApiRequest request) throws ConfigException {
        requireBody(request);
        ConfigObject object = config.parseObject(request.body(), request.format());
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
        WriteResult applied = config.write(WriteMode.APPLY, List.of(object)).get(0);
        return ApiResponse.ok(rendering.written(applied, status(applied.object())));
    }

    private ApiResponse delete(ApiRequest request) throws ConfigException {
        config.delete(request.param("kind"), request.param("name"));
        return ApiResponse.noContent();
    }

    private List<ConfigObject> parse(ApiRequest request) throws ConfigException {
        requireBody(request);
        List<ConfigObject> objects = config.parse(request.body(), request.format());
        if (objects.isEmpty()) {
            throw ConfigException.invalid("$", "the request body holds no object");
        }
        return objects;
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
