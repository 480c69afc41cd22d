package io.gatehouse.api.plugin;

import java.time.Duration;
import java.util.concurrent.ConcurrentMap;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Where a plugin instance lives: passed to {@link PluginKind#create}. Valid for the instance's lifetime; the
 * timers it made are cancelled when the instance is closed.
 */
@ProviderType
public interface PluginContext {

    /** Name of the pipeline the instance belongs to. */
    String pipeline();

    /** Name of the instance within its pipeline. */
    String plugin();

    /** Generation of the pipeline (increases on every change of the pipeline or of a plugin kind it uses). */
    long generation();

    /** The version of the plugin kind that made the instance (its bundle's version), for example {@code 1.2.0}. */
    String kindVersion();

    /**
     * The instance of the same plugin name in the previous generation of the same pipeline when the very same
     * kind object (same bundle, same version) made it, or null. It may hand over objects of the bundle's own
     * classes (pools, balancers); state that must survive a new version of the bundle goes to {@link #state()}.
     */
    Plugin previous();

    /**
     * State kept by the gateway for this plugin name in this pipeline: the same map is handed to every
     * generation and every version of the kind, until the plugin is removed from the pipeline or the pipeline
     * is deleted (then it is dropped), or the node restarts (it is not persisted nor replicated). Keep values of
     * JDK or API types: a class of the plugin bundle itself is another class for the next version of the bundle
     * (read values with {@code instanceof}). Thread-safe.
     */
    ConcurrentMap<String, Object> state();

    /**
     * Runs {@code task} once after {@code delay} on the gateway's plugin timer thread (not an event loop). The
     * task must be short and must not block; blocking work goes to an executor of its own with a bound.
     * Cancelled by closing the returned handle or when the instance is closed.
     */
    AutoCloseable schedule(Runnable task, Duration delay);

    /**
     * Runs {@code task} every {@code period}, first after {@code initialDelay} (active health checks, slow
     * start), on the plugin timer thread, with the rules of {@link #schedule}. A task that throws is logged
     * and keeps its schedule.
     */
    AutoCloseable scheduleAtFixedRate(Runnable task, Duration initialDelay, Duration period);
}
