package io.gatehouse.api.config;

import java.util.Map;

/**
 * One use of a plugin kind version by a pipeline on this node: which plugin runs it, in which role, and what
 * it did since its generation was built.
 *
 * @param kind     the kind's name
 * @param version  the version (its bundle's version) the plugin runs
 * @param pipeline the pipeline
 * @param plugin   the plugin's name in the pipeline
 * @param role     {@code primary}, or {@code canary} for the version that takes the canary's share
 * @param requests requests handed to this version since the generation was built
 * @param results  completed calls by result ({@code ""} success, {@code failed} a plugin failure), counted for the
 *                 two versions of a plugin with a canary; empty otherwise
 * @param failures calls that failed (the plugin threw or called {@code fail}; the client got a 500 unless a
 *                 response existed)
 * @param blocked  calls whose {@code handle} held the event loop 100 ms or more (for the plugin, both versions)
 * @since 1.4
 */
public record KindUse(String kind, String version, String pipeline, String plugin, String role, long requests,
                      Map<String, Long> results, long failures, long blocked) {
    public KindUse {
        results = Map.copyOf(results);
    }
}
