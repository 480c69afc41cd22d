package io.gatehouse.api.plugin;

import io.gatehouse.api.config.Violations;
import java.util.List;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A kind of plugin, registered as an OSGi service by the bundle that provides it (one Declarative
 * Services component per plugin bundle). The gateway tracks kinds dynamically: a pipeline that uses a kind
 * that is not registered is unavailable (its requests get 503 naming the kind) and becomes available as
 * soon as the kind is registered; when the kind goes away, only pipelines using it are affected.
 *
 * <p>Creating an instance: the gateway binds the pipeline's {@code spec} node to {@link #specType()}
 * with Jackson (unknown fields and wrong types are rejected with their JSON path), calls
 * {@link #validate} for the rules a type cannot express, and only then calls {@link #create}. All of this
 * happens before a configuration change is logged or applied, so a spec that fails here changes nothing.
 *
 * <p>Methods are called from configuration threads, never from an event loop; they may take their time
 * but must not wait on network I/O without a timeout.
 *
 * @param <S> the spec type: a Jackson-bindable record or class (defaults belong in its constructor)
 */
@ConsumerType
public interface PluginKind<S> {

    /** Service property naming the kind, so that lookups need not get the service object. */
    String NAME_PROPERTY = "gatehouse.plugin.kind";

    /** The kind's name, as used in pipelines: lowercase letters, digits and dashes, unique per gateway. */
    String name();

    /** One sentence about what the kind does. */
    String description();

    /** The non-empty results instances may complete with (targets of {@code jumpIf}). */
    default List<String> results() {
        return List.of();
    }

    /** The class the spec binds to. */
    Class<S> specType();

    /** A JSON schema (draft 2020-12) describing the spec, published by the admin API for tools and editors. */
    String schema();

    /**
     * Checks rules the spec type cannot express (ranges, combinations). Report each problem at the path of
     * the field, relative to the collector given (which is positioned at the spec).
     */
    default void validate(S spec, Violations violations) {
    }

    /**
     * Creates an instance for one pipeline generation.
     *
     * @param spec    the validated spec
     * @param context where the instance lives: its names, its previous instance when the same kind object made
     *                it ({@link PluginContext#previous()}), its state that survives generations and versions
     *                ({@link PluginContext#state()}), its timers
     * @return a new instance; never null
     * @throws Exception when the instance cannot be created; the configuration change is then refused
     */
    Plugin create(S spec, PluginContext context) throws Exception;
}
