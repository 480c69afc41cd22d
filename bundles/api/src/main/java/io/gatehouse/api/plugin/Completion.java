package io.gatehouse.api.plugin;

import org.osgi.annotation.versioning.ProviderType;

/**
 * How a plugin reports that it is done with an exchange. Exactly one of {@link #complete} or
 * {@link #fail} must be called, exactly once, for every {@link Plugin#handle} call; a second call throws
 * {@link IllegalStateException}. Either may be called from any thread: the pipeline always continues on
 * the exchange's event loop.
 */
@ProviderType
public interface Completion {

    /**
     * The plugin is done. {@code result} is {@link Results#SUCCESS} (empty) to continue with the next
     * plugin, or one of the kind's declared results: the pipeline jumps where the plugin's {@code jumpIf}
     * maps it, and ends when it is not mapped.
     */
    void complete(String result);

    /**
     * The plugin failed unexpectedly. The pipeline ends; if no response exists yet the client gets a 500
     * with a JSON body, and the error is logged with the pipeline and plugin names.
     */
    void fail(Throwable error);
}
