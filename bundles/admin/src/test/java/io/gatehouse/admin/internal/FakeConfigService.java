package io.gatehouse.admin.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gatehouse.api.config.ConfigException;
import io.gatehouse.api.config.ConfigFormat;
import io.gatehouse.api.config.ConfigObject;
import io.gatehouse.api.config.ConfigService;
import io.gatehouse.api.config.DeleteRequest;
import io.gatehouse.api.config.ObjectStatus;
import io.gatehouse.api.config.PluginKindInfo;
import io.gatehouse.api.config.Units;
import io.gatehouse.api.config.Violation;
import io.gatehouse.api.config.Violations;
import io.gatehouse.api.config.WriteMode;
import io.gatehouse.api.config.WriteRequest;
import io.gatehouse.api.config.WriteResult;
import io.gatehouse.core.internal.config.ConfigCodec;
import io.gatehouse.core.internal.config.Json;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * An in-memory ConfigService honouring the contract the HTTP layer relies on: documents are read by the
 * core's own codec (so parse errors, strict input and envelope checks are the real ones), invalid fields
 * are 400 with JSON paths, 409 on duplicates and on deleting a referenced Pipeline, 404 on missing
 * objects, all-or-nothing batches, revisions from a growing index, unchanged objects left as they are.
 * Status: a Pipeline using a plugin kind other than mock and proxy is not ready; an HTTPServer is not
 * ready while {@link #unbound} names it.
 */
final class FakeConfigService implements ConfigService {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");
    private static final List<String> KINDS = List.of("HTTPServer", "Pipeline", "ApiToken");
    private static final Set<String> PLUGIN_KINDS = Set.of("mock", "proxy");

    private final ObjectMapper json = new ObjectMapper();
    private final ConfigCodec codec = new ConfigCodec(new Json());
    private final Map<String, ConfigObject> objects = new TreeMap<>();
    private long index;
    volatile RuntimeException failNext;
    /** HTTPServers whose listener is not bound, with the reason. */
    final Map<String, String> unbound = new ConcurrentHashMap<>();
    /** Every write and delete request submitted, in order. */
    final List<Object> submitted = new CopyOnWriteArrayList<>();
    /** When set, submitted writes fail with it (such as a 503 with its reason). */
    volatile ConfigException refuseSubmits;
    /** When set, submitted writes are never committed: they fail with 504 once their timeout passed. */
    volatile boolean stall;
    /** When set, the commit index reported instead of the applied index (-1: the log cannot be read). */
    volatile Long commitIndex;
    // the answer of each request id seen (a retry is answered with it)
    private final Map<String, Object> answers = new HashMap<>();

    @Override
    public CompletableFuture<List<WriteResult>> submit(WriteRequest request) {
        return submitted(request, request.requestId(), request.timeout(),
                () -> write(request.mode(), request.objects()));
    }

    @Override
    public synchronized CompletableFuture<List<WriteResult>> dryRun(WriteRequest request) {
        List<WriteResult> out = new ArrayList<>();
        for (ConfigObject o : request.objects()) {
            ConfigObject stored = get(o.kind(), o.name()).orElse(null);
            if (!KINDS.contains(o.kind())) {
                return CompletableFuture.failedFuture(ConfigException.invalid("$.kind", "unknown kind"));
            }
            if (stored != null && stored.spec().equals(o.spec())) {
                out.add(new WriteResult(stored, WriteResult.Change.UNCHANGED));
            } else {
                out.add(new WriteResult(new ConfigObject(o.kind(), o.name(), o.spec(), 0),
                        stored == null ? WriteResult.Change.CREATED : WriteResult.Change.UPDATED));
            }
        }
        return CompletableFuture.completedFuture(out);
    }

    @Override
    public CompletableFuture<Long> submit(DeleteRequest request) {
        return submitted(request, request.requestId(), request.timeout(), () -> {
            delete(request.kind(), request.name());
            return appliedIndex();
        });
    }

    private interface Write<T> {
        T run() throws ConfigException;
    }

    @SuppressWarnings("unchecked")
    private <T> CompletableFuture<T> submitted(Object request, String id, Duration timeout, Write<T> write) {
        submitted.add(request);
        CompletableFuture<T> f = new CompletableFuture<>();
        if (stall) {
            CompletableFuture.delayedExecutor(timeout.toMillis(), TimeUnit.MILLISECONDS).execute(() ->
                    f.completeExceptionally(new ConfigException(504, ConfigException.TIMEOUT, "not committed within "
                            + Units.format(timeout) + "; the write may still commit: retry with the same "
                            + "Idempotency-Key", List.of())));
            return f;
        }
        if (refuseSubmits != null) {
            f.completeExceptionally(refuseSubmits);
            return f;
        }
        synchronized (this) {
            if (id != null && answers.containsKey(id)) {
                f.complete((T) answers.get(id));
                return f;
            }
            try {
                T answer = write.run();
                if (id != null) {
                    answers.put(id, answer);
                }
                f.complete(answer);
            } catch (ConfigException | RuntimeException e) {
                f.completeExceptionally(e);
            }
        }
        return f;
    }

    @Override
    public List<ConfigObject> parse(byte[] document, ConfigFormat format) throws ConfigException {
        return codec.parse(document, format);
    }

    @Override
    public ConfigObject parseObject(byte[] document, ConfigFormat format) throws ConfigException {
        return codec.parseObject(document, format);
    }

    @Override
    public synchronized List<WriteResult> write(WriteMode mode, List<ConfigObject> batch) throws ConfigException {
        for (ConfigObject o : batch) {
            if (mode == WriteMode.CREATE && objects.containsKey(o.key())) {
                throw ConfigException.conflict("$.name", o.kind() + " '" + o.name() + "' already exists");
            }
            if (mode == WriteMode.UPDATE && !objects.containsKey(o.key())) {
                throw ConfigException.notFound(o.kind(), o.name());
            }
        }
        RuntimeException failure = failNext;
        if (failure != null) {
            failNext = null;
            throw failure;
        }
        validate(batch);
        List<WriteResult> written = new ArrayList<>();
        for (ConfigObject o : batch) {
            ConfigObject cur = objects.get(o.key());
            if (cur != null && cur.spec().equals(o.spec())) {
                written.add(new WriteResult(cur, WriteResult.Change.UNCHANGED));
                continue;
            }
            ConfigObject stored = new ConfigObject(o.kind(), o.name(), o.spec(), ++index);
            objects.put(o.key(), stored);
            written.add(new WriteResult(stored, cur == null ? WriteResult.Change.CREATED : WriteResult.Change.UPDATED));
        }
        return written;
    }

    private void validate(List<ConfigObject> batch) throws ConfigException {
        List<Violation> violations = new ArrayList<>();
        Set<String> keys = new HashSet<>();
        Set<String> pipelines = new HashSet<>();
        objects.values().stream().filter(o -> o.kind().equals("Pipeline")).forEach(o -> pipelines.add(o.name()));
        batch.stream().filter(o -> o.kind().equals("Pipeline")).forEach(o -> pipelines.add(o.name()));
        for (ConfigObject o : batch) {
            Violations v = Violations.at("$", violations);
            v.check(KINDS.contains(o.kind()), "kind", "unknown kind '" + o.kind() + "'");
            v.check(NAME.matcher(o.name()).matches(), "name", "must match " + NAME.pattern());
            v.check(keys.add(o.key()), "name", "appears twice in the batch");
            if (o.kind().equals("HTTPServer")) {
                int port = o.spec().path("port").asInt(-1);
                v.at("spec").check(port >= 1 && port <= 65535, "port", "required, 1..65535");
                JsonNode rules = o.spec().path("rules");
                for (int i = 0; i < rules.size(); i++) {
                    String p = rules.get(i).path("pipeline").asText();
                    v.at("spec").at("rules").at(i).check(pipelines.contains(p), "pipeline",
                            "Pipeline '" + p + "' does not exist");
                }
            }
        }
        if (!violations.isEmpty()) {
            throw ConfigException.invalid(violations);
        }
    }

    @Override
    public synchronized void delete(String kind, String name) throws ConfigException {
        if (!objects.containsKey(kind + "/" + name)) {
            throw ConfigException.notFound(kind, name);
        }
        for (ConfigObject o : objects.values()) {
            for (JsonNode rule : o.spec().path("rules")) {
                if (kind.equals("Pipeline") && name.equals(rule.path("pipeline").asText())) {
                    throw ConfigException.conflict("$.name", "Pipeline '" + name + "' is used by " + o.key());
                }
            }
        }
        objects.remove(kind + "/" + name);
        index++;
    }

    @Override
    public synchronized Optional<ConfigObject> get(String kind, String name) {
        return Optional.ofNullable(objects.get(kind + "/" + name));
    }

    @Override
    public synchronized Optional<ObjectStatus> status(String kind, String name) {
        ConfigObject o = objects.get(kind + "/" + name);
        if (o == null) {
            return Optional.empty();
        }
        if (kind.equals("HTTPServer")) {
            String reason = unbound.get(name);
            return Optional.of(reason == null ? ObjectStatus.READY : ObjectStatus.notReady(reason));
        }
        for (JsonNode plugin : o.spec().path("plugins")) {
            String k = plugin.path("kind").asText();
            if (!PLUGIN_KINDS.contains(k)) {
                return Optional.of(ObjectStatus.notReady("plugin kind '" + k + "' is not installed"));
            }
        }
        return Optional.of(ObjectStatus.READY);
    }

    @Override
    public synchronized List<ConfigObject> list(String kind) {
        RuntimeException failure = failNext;
        if (failure != null) {
            failNext = null;
            throw failure;
        }
        return objects.values().stream().filter(o -> kind == null || o.kind().equals(kind)).toList();
    }

    @Override
    public List<String> objectKinds() {
        return KINDS;
    }

    @Override
    public List<io.gatehouse.api.config.KindUse> pluginKindUses() {
        return List.of(new io.gatehouse.api.config.KindUse("proxy", "0.1.0", "web", "backend", "primary", 3,
                java.util.Map.of(), 0, 0));
    }

    @Override
    public List<PluginKindInfo> pluginKinds() {
        return List.of(
                new PluginKindInfo("mock", "Answers with a fixed response", List.of(),
                        json.createObjectNode().put("type", "object"), "gatehouse-plugin-mock", "0.1.0"),
                new PluginKindInfo("proxy", "Forwards to upstream servers", List.of("noServer", "upstreamError"),
                        json.createObjectNode().put("type", "object"), "gatehouse-plugin-proxy", "0.1.0"));
    }

    @Override
    public synchronized long appliedIndex() {
        return index;
    }

    /** The commit index: {@link #commitIndex} when set (a node behind its group), else the applied index. */
    @Override
    public synchronized long commitIndex() {
        return commitIndex != null ? commitIndex : index;
    }
}
