package ${package}.internal;

import io.gatehouse.api.plugin.Completion;
import io.gatehouse.api.plugin.Exchange;
import io.gatehouse.api.plugin.Plugin;
import io.gatehouse.api.plugin.Results;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One instance per pipeline generation: a wrapping plugin. It lets the rest of the pipeline run
 * ({@link Completion#proceed()}), gets control back with the response before it is sent, and sets its header.
 * It counts the responses it marked in the state the gateway keeps for it across configuration changes and new
 * versions of this bundle (a JDK type, so that every version can read it).
 *
 * <p>Called on the exchange's event loop: nothing here blocks.
 */
final class ${className}Plugin implements Plugin {
    static final String MARKED = "marked";

    private final ${className}Spec spec;
    private final AtomicLong marked;

    ${className}Plugin(${className}Spec spec, ConcurrentMap<String, Object> state) {
        this.spec = spec;
        Object kept = state.computeIfAbsent(MARKED, k -> new AtomicLong());
        this.marked = kept instanceof AtomicLong a ? a : new AtomicLong();
    }

    @Override
    public void handle(Exchange exchange, Completion completion) {
        completion.proceed().whenComplete((response, error) -> {
            if (error != null) {
                completion.fail(error);
                return;
            }
            if (response != null) {
                response.headers().set(spec.header(), spec.value());
                marked.incrementAndGet();
            }
            completion.complete(Results.SUCCESS);
        });
    }

    long marked() {
        return marked.get();
    }
}
