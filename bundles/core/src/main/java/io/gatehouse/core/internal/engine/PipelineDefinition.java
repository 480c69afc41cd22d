package io.gatehouse.core.internal.engine;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** A validated Pipeline object: its plugins in order (kind-specific checks happen when instances are built). */
public record PipelineDefinition(String name, List<PluginDefinition> plugins) {

    /** The plugin kind names the pipeline uses, in order of first use. */
    public Set<String> kinds() {
        Set<String> kinds = new LinkedHashSet<>();
        plugins.forEach(p -> kinds.add(p.kind()));
        return kinds;
    }

    public int indexOf(String plugin) {
        for (int i = 0; i < plugins.size(); i++) {
            if (plugins.get(i).name().equals(plugin)) {
                return i;
            }
        }
        return -1;
    }
}
