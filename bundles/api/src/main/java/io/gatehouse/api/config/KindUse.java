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
 * @param requests requests handed to this version since the generation was built; -1 when not counted (a plugin
 *                 without canary runs one version: the pipeline's statistics count its requests)
 * @param results  completed calls by result ({@code ""} success, {@code failed} a plugin failure); empty when not
 *                 counted
 * @since 1.4
 */
public record KindUse(String kind, String version, String pipeline, String plugin, String role, long requests,
                      Map<String, Long> results) {
    public KindUse {
        results = Map.copyOf(results);
    }
}
