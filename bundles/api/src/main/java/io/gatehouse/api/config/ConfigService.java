package io.gatehouse.api.config;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The node's configuration: the one path through which objects are created, updated and deleted.
 *
 * <p>Every write follows one path, plan → commit → apply (see {@code docs/architecture.md}, "Configuration
 * path"). It is planned by the leader of this node's group (a follower or observer forwards it there; a
 * standalone node is its own leader): parse, then validate the whole resulting state (schema, cross-field and
 * cross-object rules such as references and routing conflicts, and the resources it needs, such as a free
 * port on the leader). The plan is <em>one</em> operation-log entry for the whole request (its request id and
 * every changed object), committed by the group (durable on a majority of its voters, or locally on a
 * standalone node), then applied on this node; the write returns once its entry is applied here. A write
 * that fails before the commit leaves the log and the running state unchanged; a batch is all or nothing.
 * Apply never refuses: an object that cannot run on this node is stored and reported not ready
 * ({@link #status}).
 *
 * <p>An object written with the spec it already has is <em>unchanged</em>: the spec is compared as data
 * (the same fields with the same values, in the same order), not as text, so JSON or YAML, whitespace,
 * comments and quoting make no difference. An unchanged object is not validated, logged or rebuilt again
 * and keeps its revision; a batch logs and applies only the objects that changed, and a batch in which
 * nothing changed appends nothing. (A stored object whose spec no longer validates on this node is never
 * unchanged: writing it again validates it.)
 *
 * <p>Thread-safe; writes are serialized. Reads see the last applied state.
 */
@ProviderType
public interface ConfigService {

    /**
     * Parses a JSON or YAML document (a YAML stream may hold several documents; a JSON document may be a
     * single object or an array of objects) into objects, without validating specs.
     *
     * <p>The document must be UTF-8 text (invalid or overlong sequences, encoded surrogates, UTF-16 and
     * control characters other than tab, line feed and carriage return are refused, with the byte offset).
     * YAML anchors, aliases and tags other than {@code !!str}, {@code !!map} and {@code !!seq} are refused
     * (with their path, line and column) rather than read in a way the writer did not mean.
     *
     * @throws ConfigException 400 with the line and column of a syntax error, or the path of a missing or
     *                         ill-typed {@code kind}, {@code name} or {@code spec}
     */
    List<ConfigObject> parse(byte[] document, ConfigFormat format) throws ConfigException;

    /**
     * Writes objects: all or nothing, following {@code mode}. Returns, in the order given, each object as
     * stored afterwards and whether the write created, replaced or left it unchanged.
     *
     * @throws ConfigException 400 invalid, 404 a missing object ({@link WriteMode#UPDATE}), 409 an existing
     *                         object ({@link WriteMode#CREATE}) or a conflict, 503 the write cannot be
     *                         committed now, 504 it was not committed within the default timeout
     * @since 1.2
     */
    List<WriteResult> write(WriteMode mode, List<ConfigObject> objects) throws ConfigException;

    /**
     * Parses a document that holds exactly one object, as {@link #parse} does; an array (even of a single
     * object) or a YAML stream of several documents is refused.
     *
     * @throws ConfigException 400 as for {@link #parse}, or at {@code $} when the document is not one object
     * @since 1.2
     */
    ConfigObject parseObject(byte[] document, ConfigFormat format) throws ConfigException;

    /**
     * Plans, commits and applies a write; the future completes once the write is applied on this node, or
     * exceptionally with a {@link ConfigException}: 400/404/409 as for {@link #write(WriteMode, List)}
     * (nothing was logged), 503 when it cannot be committed now (no leader, no voter majority, cluster
     * service stopped; the message says which), 504 when the timeout passed first (the write may still
     * commit: retry with the same request id). Never blocks the caller.
     *
     * @since 1.3
     */
    CompletableFuture<List<WriteResult>> submit(WriteRequest request);

    /**
     * Plans a write without making it (a dry run): parses nothing, validates the objects as {@link #submit}
     * would (the whole resulting state: schema, references, routing conflicts, ports) and answers what the write
     * would do to each object, {@code CREATED}, {@code UPDATED} or {@code UNCHANGED}, with revision 0 for the
     * objects it would write. Nothing is logged, applied or committed. It is planned against this node's
     * applied state (a follower's may lag its leader's by the writes in flight), on the configuration thread.
     * {@code request.group()}, {@code requestId()} and {@code timeout()} are not used.
     *
     * @return completes with the results, or exceptionally with a {@link ConfigException}: 400/404/409 as for
     *         {@link #submit}, 503 while the node is starting
     * @since 1.5
     */
    CompletableFuture<List<WriteResult>> dryRun(WriteRequest request);

    /**
     * Deletes an object as {@link #delete(String, String)} does, asynchronously like {@link #submit}; the
     * future completes with the revision (log index) of the delete.
     *
     * @since 1.3
     */
    CompletableFuture<Long> submit(DeleteRequest request);

    /** Creates objects that must not exist yet (409 if one does). All or nothing. */
    default List<ConfigObject> create(List<ConfigObject> objects) throws ConfigException {
        return write(WriteMode.CREATE, objects).stream().map(WriteResult::object).toList();
    }

    /**
     * Replaces objects that must exist (404 if one does not). All or nothing. Unchanged objects keep their
     * revisions.
     */
    default List<ConfigObject> update(List<ConfigObject> objects) throws ConfigException {
        return write(WriteMode.UPDATE, objects).stream().map(WriteResult::object).toList();
    }

    /**
     * Creates or replaces objects. All or nothing. Returns the objects with their new revisions (unchanged
     * objects with the revision they had).
     */
    default List<ConfigObject> apply(List<ConfigObject> objects) throws ConfigException {
        return write(WriteMode.APPLY, objects).stream().map(WriteResult::object).toList();
    }

    /**
     * Deletes an object.
     *
     * @throws ConfigException 404 if it does not exist, 409 if another object still refers to it
     */
    void delete(String kind, String name) throws ConfigException;

    /**
     * The stored object. Secrets are never read back: a {@code TLSCertificate}'s {@code key} is
     * {@code redacted:sha256:<hex>}, and writing that value back keeps the stored key.
     */
    Optional<ConfigObject> get(String kind, String name);

    /**
     * Whether an object is serving as configured (see {@link ObjectStatus} for what that means per kind).
     * Cheap and non-blocking: read from the last published state, so it may be called for every object of
     * a listing.
     *
     * @return the status, or empty when there is no such object
     */
    Optional<ObjectStatus> status(String kind, String name);

    /**
     * All objects, or those of one kind when {@code kind} is not null, sorted by kind then name; redacted like
     * {@link #get}.
     */
    List<ConfigObject> list(String kind);

    /** The object kinds this node accepts ({@code HTTPServer}, {@code Pipeline}, ...). */
    List<String> objectKinds();

    /** Plugin kinds currently registered: one entry per version of each kind, sorted by name, then version. */
    List<PluginKindInfo> pluginKinds();

    /**
     * Which pipelines use which kind versions on this node, with the requests and results of each version of
     * a plugin that runs a canary.
     *
     * @since 1.4
     */
    List<KindUse> pluginKindUses();

    /** Index of the last applied operation-log entry. */
    long appliedIndex();

    /**
     * Index of the last operation-log entry this node knows to be committed (the log's commit index); at
     * least {@link #appliedIndex()} once the node has caught up, greater while it is behind. Cheap.
     *
     * @return the commit index, or -1 when the log cannot be read
     * @since 1.3
     */
    long commitIndex();
}
