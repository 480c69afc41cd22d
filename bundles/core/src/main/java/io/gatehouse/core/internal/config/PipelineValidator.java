package io.gatehouse.core.internal.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gatehouse.api.config.ConfigObject;
import io.gatehouse.api.config.Violation;
import io.gatehouse.api.plugin.Results;
import io.gatehouse.core.internal.engine.PipelineDefinition;
import io.gatehouse.core.internal.engine.PluginDefinition;
import io.gatehouse.core.internal.kinds.VersionSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Validates the kind-independent part of a Pipeline: plugin names (unique, not {@code END}), kind names,
 * spec objects, and {@code jumpIf} targets (a later plugin or {@code END}). Kind-specific checks happen in
 * {@code GenerationFactory.check} when the kind is registered.
 */
public final class PipelineValidator {
    private static final Pattern KIND = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");

    private final SpecBinder binder;

    public PipelineValidator(SpecBinder binder) {
        this.binder = binder;
    }

    /** Returns the definition, or null when violations were added. */
    public PipelineDefinition validate(ConfigObject o, String prefix, List<Violation> invalid) {
        String base = prefix + ".spec";
        int before = invalid.size();
        PipelineSpec spec = binder.bind(o.spec(), PipelineSpec.class, base, invalid);
        if (spec == null) {
            return null;
        }
        if (spec.plugins() == null || spec.plugins().isEmpty()) {
            invalid.add(new Violation(base + ".plugins", "at least one plugin is required"));
            return null;
        }
        List<PipelineSpec.Plugin> plugins = spec.plugins();
        Map<String, Integer> positions = new HashMap<>();
        for (int i = 0; i < plugins.size(); i++) {
            PipelineSpec.Plugin p = plugins.get(i);
            if (p != null && p.name() != null) {
                positions.putIfAbsent(p.name(), i);
            }
        }
        List<PluginDefinition> defs = new ArrayList<>();
        for (int i = 0; i < plugins.size(); i++) {
            String pp = base + ".plugins[" + i + "]";
            PipelineSpec.Plugin p = plugins.get(i);
            if (p == null) {
                invalid.add(new Violation(pp, "must be an object"));
                continue;
            }
            if (p.name() == null) {
                invalid.add(new Violation(pp + ".name", "is required"));
            } else if (!ObjectKinds.NAME.matcher(p.name()).matches()) {
                invalid.add(new Violation(pp + ".name", ObjectKinds.NAME_RULE));
            } else if (Results.END.equals(p.name())) {
                invalid.add(new Violation(pp + ".name", "END is reserved for jumpIf"));
            } else if (positions.get(p.name()) != i) {
                invalid.add(new Violation(pp + ".name", "'" + p.name() + "' is already the name of plugins["
                        + positions.get(p.name()) + "]"));
            }
            if (p.kind() == null) {
                invalid.add(new Violation(pp + ".kind", "is required"));
            } else if (!KIND.matcher(p.kind()).matches()) {
                invalid.add(new Violation(pp + ".kind", "must be a plugin kind name such as proxy"));
            }
            JsonNode specNode = p.spec();
            ObjectNode pluginSpec;
            if (specNode == null || specNode.isNull()) {
                pluginSpec = JsonNodeFactory.instance.objectNode();
            } else if (specNode instanceof ObjectNode on) {
                pluginSpec = on.deepCopy();
            } else {
                invalid.add(new Violation(pp + ".spec", "must be an object"));
                pluginSpec = null;
            }
            Map<String, String> jumps = new LinkedHashMap<>();
            if (p.jumpIf() != null) {
                for (Map.Entry<String, String> j : p.jumpIf().entrySet()) {
                    StringBuilder jp = new StringBuilder(pp).append(".jumpIf");
                    SpecBinder.appendField(jp, j.getKey());
                    String target = j.getValue();
                    if (j.getKey().isEmpty()) {
                        invalid.add(new Violation(jp.toString(), "the empty result always continues; it cannot jump"));
                    } else if (target == null) {
                        invalid.add(new Violation(jp.toString(), "needs a target: a later plugin name or END"));
                    } else if (!Results.END.equals(target)) {
                        Integer t = positions.get(target);
                        if (t == null) {
                            invalid.add(new Violation(jp.toString(), "'" + target + "' is not a plugin of this pipeline"));
                        } else if (t <= i) {
                            invalid.add(new Violation(jp.toString(), "'" + target
                                    + "' does not come after this plugin (jumps go forward only)"));
                        }
                    }
                    if (target != null) {
                        jumps.put(j.getKey(), target);
                    }
                }
            }
            VersionSpec version = null;
            if (p.version() != null) {
                try {
                    version = VersionSpec.parse(p.version());
                } catch (IllegalArgumentException e) {
                    invalid.add(new Violation(pp + ".version", e.getMessage()));
                }
            }
            PluginDefinition.Canary canary = p.canary() == null ? null : canary(p.canary(), pp + ".canary", invalid);
            if (p.name() != null && p.kind() != null && pluginSpec != null) {
                defs.add(new PluginDefinition(p.name(), p.kind(), pluginSpec, Map.copyOf(jumps), version, canary));
            }
        }
        if (invalid.size() > before) {
            return null;
        }
        return new PipelineDefinition(o.name(), List.copyOf(defs));
    }

    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+\\-.^_`|~0-9A-Za-z]+");

    /** A canary: a version (required), and exactly one of a weight (1..99) or a header condition. */
    private static PluginDefinition.Canary canary(PipelineSpec.Canary c, String path, List<Violation> invalid) {
        int before = invalid.size();
        VersionSpec version = null;
        try {
            version = VersionSpec.parse(c.version());
        } catch (IllegalArgumentException e) {
            invalid.add(new Violation(path + ".version", c.version() == null ? "is required" : e.getMessage()));
        }
        if ((c.weight() == null) == (c.header() == null)) {
            invalid.add(new Violation(path, "exactly one of weight or header is required"));
        }
        if (c.weight() != null && (c.weight() < 1 || c.weight() > 99)) {
            invalid.add(new Violation(path + ".weight", "must be 1..99 (percent of the requests), found "
                    + c.weight()));
        }
        if (c.header() != null) {
            if (c.header().name() == null || !TOKEN.matcher(c.header().name()).matches()) {
                invalid.add(new Violation(path + ".header.name", "must be a header name"));
            }
            if (c.header().value() == null) {
                invalid.add(new Violation(path + ".header.value", "is required"));
            }
        }
        if (invalid.size() > before) {
            return null;
        }
        return c.weight() != null ? new PluginDefinition.Canary(version, c.weight(), null, null)
                : new PluginDefinition.Canary(version, 0, c.header().name(), c.header().value());
    }
}
