package io.gatehouse.core.internal.engine;

import java.util.HashMap;
import java.util.Map;

/**
 * The current generation of every pipeline, published as one immutable map in a volatile field: the
 * request path reads it without locks; the configuration thread swaps it as a whole.
 */
public final class PipelineRegistry {
    private volatile Map<String, Generation> current = Map.of();

    /** The current generation of a pipeline, or null when there is no such pipeline. */
    public Generation current(String pipeline) {
        return current.get(pipeline);
    }

    public Map<String, Generation> all() {
        return current;
    }

    /** Publishes {@code changed} generations and drops {@code removed} pipelines in one swap. Config thread only. */
    public void publish(Map<String, Generation> changed, Iterable<String> removed) {
        Map<String, Generation> next = new HashMap<>(current);
        next.putAll(changed);
        for (String r : removed) {
            next.remove(r);
        }
        current = Map.copyOf(next);
    }
}
