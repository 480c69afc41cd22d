package io.gatehouse.api.plugin;

import java.util.concurrent.CompletionStage;
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

    /**
     * Wraps the rest of the pipeline: runs the plugins after this one now, as if this one had completed with
     * {@link Results#SUCCESS}, and gives control back to this plugin when they are over, before the response
     * is committed. The stage completes (on the event loop) with the exchange's response as the rest left it
     * ({@link Exchange#response()}; a plugin that failed in the rest left its 500 there). The plugin may then
     * record it, change it, replace it, or call {@code proceed()} again to run the rest once more (a retry;
     * the uncommitted response is replaced). It ends by calling {@link #complete} (the result is counted; the
     * pipeline is over, so it does not jump) or {@link #fail}.
     *
     * <p>Wrappers nest: the innermost gets control back first.
     *
     * @throws IllegalStateException after {@code complete} or {@code fail}, or while a proceed is running
     */
    CompletionStage<HttpResponse> proceed();
}
