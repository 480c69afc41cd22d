package io.gatehouse.api.plugin;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A plugin instance: created by its {@link PluginKind} from a validated spec, for one pipeline generation.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>{@link #handle} is called on the exchange's event-loop thread, once per exchange that reaches
 *   the plugin, possibly for many exchanges at once from several event loops: instances are shared and
 *   must be thread-safe (prefer per-event-loop or atomic state to locks; never hold a lock across I/O).</li>
 *   <li>{@code handle} must return promptly and never block. It may finish the work later, from a
 *   callback, a timer ({@link Exchange#schedule}) or an offloaded task ({@link Exchange#offload}).</li>
 *   <li>Exactly one call to {@link Completion#complete} or {@link Completion#fail} per {@code handle}.
 *   Throwing from {@code handle} counts as {@code fail}.</li>
 *   <li>The exchange and its request and response belong to the gateway: use them only until completion,
 *   and do not keep references to them after.</li>
 * </ul>
 */
@ConsumerType
public interface Plugin extends AutoCloseable {

    /** Handles one exchange; see the class contract. */
    void handle(Exchange exchange, Completion completion);

    /**
     * Called once when the instance's generation has been replaced or its pipeline deleted. New exchanges
     * no longer reach it, but exchanges already in progress may still be completing: release only what
     * they do not need (timers, caches). State the next generation inherited is no longer this instance's.
     */
    @Override
    default void close() {
    }
}
