package io.gatehouse.admin.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.gatehouse.api.config.ApiTokens;
import io.gatehouse.api.config.ConfigException;
import io.gatehouse.api.config.ConfigFormat;
import io.gatehouse.api.config.ConfigObject;
import io.gatehouse.api.config.ConfigService;
import io.gatehouse.api.config.DeleteRequest;
import io.gatehouse.api.config.Violation;
import io.gatehouse.api.config.WriteMode;
import io.gatehouse.api.config.WriteRequest;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * {@code /api/v1/tokens}: makes, lists and revokes admin API tokens. A token is made here (the client never
 * chooses it), answered once, and stored as an {@code ApiToken} object holding only its SHA-256, written
 * through the operation log like any object, so it works on every node of the group and one delete revokes it
 * everywhere. The node's bootstrap token is listed but cannot be deleted here (it is the node's own).
 */
final class TokensEndpoints {
    static final String TOKENS = "/api/v1/tokens";
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final ConfigService config;
    private final AdminTokens tokens;
    private final boolean hasBootstrap;
    private final ObjectMapper json = new ObjectMapper();
    private final ObjectMapper yaml = new ObjectMapper(new YAMLFactory());

    TokensEndpoints(ConfigService config, AdminTokens tokens, boolean hasBootstrap) {
        this.config = config;
        this.tokens = tokens;
        this.hasBootstrap = hasBootstrap;
    }

    void register(Router router) {
        router.get(TOKENS, this::list)
                .async("POST", TOKENS, Set.of("timeout"), this::create)
                .async("DELETE", TOKENS + "/{name}", Set.of("timeout"), this::delete);
    }

    private ApiResponse list(ApiRequest request) {
        ArrayNode array = NODES.arrayNode();
        if (hasBootstrap) {
            ObjectNode node = array.addObject();
            node.put("name", BootstrapToken.NAME);
            node.put("role", Caller.Access.ADMIN.role());
            node.put("scope", "node");
        }
        for (ConfigObject o : config.list(Authenticator.KIND)) {
            ObjectNode node = array.addObject();
            node.put("name", o.name());
            node.put("role", o.spec().path("role").asText());
            node.put("scope", "group");
            if (o.spec().hasNonNull("created")) {
                node.put("created", o.spec().path("created").asText());
            }
            node.put("revision", o.revision());
        }
        return ApiResponse.ok(array);
    }

    private CompletionStage<ApiResponse> create(ApiRequest request) throws ConfigException {
        WriteOptions options = WriteOptions.of(request);
        JsonNode body = read(request);
        List<Violation> invalid = new ArrayList<>();
        for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (!field.equals("name") && !field.equals("role")) {
                invalid.add(new Violation("$." + field, "unknown field; known fields: name, role"));
            }
        }
        JsonNode name = body.get("name");
        JsonNode role = body.get("role");
        if (name == null || !name.isTextual()) {
            invalid.add(new Violation("$.name", "is required: a string"));
        } else if (ApiTokens.nameProblem(name.asText()) != null) {
            invalid.add(new Violation("$.name", ApiTokens.nameProblem(name.asText())));
        }
        if (role == null || !role.isTextual()) {
            invalid.add(new Violation("$.role", "is required: read or admin"));
        } else if (Caller.Access.of(role.asText()) == null) {
            invalid.add(new Violation("$.role", "must be read or admin"));
        }
        if (!invalid.isEmpty()) {
            throw ConfigException.invalid(invalid);
        }
        String token = tokens.generate();
        ConfigObject object = ApiTokens.object(name.asText(), role.asText(), token);
        String created = object.spec().path("created").asText();
        WriteRequest write = new WriteRequest(options.requestId(), null, WriteMode.CREATE, List.of(object),
                options.timeout());
        return ObjectsEndpoints.bounded(config.submit(write), options.timeout()).thenApply(results -> {
            if (!AdminTokens.hash(token).equals(results.get(0).object().spec().path("sha256").asText())) {
                // a retry (same Idempotency-Key) of a request that made the token already: this token is not it
                throw new ApiException(409, ConfigException.CONFLICT, "this Idempotency-Key already made token '"
                        + name.asText() + "', whose value was answered then and is not kept: delete the token and"
                        + " make another");
            }
            ObjectNode answer = NODES.objectNode();
            answer.put("name", name.asText());
            answer.put("role", role.asText());
            answer.put("created", created);
            answer.put("revision", results.get(0).object().revision());
            answer.put("token", token);
            answer.put("note", "the token is shown once: only its SHA-256 is kept");
            return new ApiResponse(201, answer, false, Map.of("Location", TOKENS + "/" + name.asText(),
                    "Cache-Control", "no-store"));
        });
    }

    private CompletionStage<ApiResponse> delete(ApiRequest request) {
        WriteOptions options = WriteOptions.of(request);
        String name = request.param("name");
        if (BootstrapToken.NAME.equals(name)) {
            throw new ApiException(409, ConfigException.CONFLICT, "the bootstrap token is this node's own and is not"
                    + " stored in the configuration: to replace it, stop the node, delete data/gatehouse/"
                    + BootstrapToken.HASH_FILE + " and start it (with " + BootstrapToken.VARIABLE + " set, or a new"
                    + " token is generated)");
        }
        DeleteRequest delete = new DeleteRequest(options.requestId(), null, Authenticator.KIND, name,
                options.timeout());
        return ObjectsEndpoints.bounded(config.submit(delete), options.timeout())
                .thenApply(index -> ApiResponse.noContent());
    }

    private JsonNode read(ApiRequest request) throws ConfigException {
        JsonNode body;
        try {
            body = (request.format() == ConfigFormat.YAML ? yaml : json).readTree(request.body());
        } catch (IOException e) {
            throw ConfigException.invalid("$", "the body is not a JSON or YAML object: "
                    + (e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()));
        }
        if (body == null || !body.isObject()) {
            throw ConfigException.invalid("$", "send one object: {\"name\": ..., \"role\": \"read\" or \"admin\"}");
        }
        return body;
    }
}
