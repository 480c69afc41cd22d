package ${package}.internal;

import io.gatehouse.api.config.Violations;
import io.gatehouse.api.plugin.Plugin;
import io.gatehouse.api.plugin.PluginContext;
import io.gatehouse.api.plugin.PluginKind;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;
import org.osgi.service.component.annotations.Component;

/**
 * The {@code ${kind}} plugin kind: the bundle's only component. The gateway tracks it as a service; dropping the
 * bundle into {@code deploy/} adds the kind, removing it retires it, a new version runs side by side.
 */
@Component(service = PluginKind.class, property = PluginKind.NAME_PROPERTY + "=" + ${className}PluginKind.NAME)
public final class ${className}PluginKind implements PluginKind<${className}Spec> {
    static final String NAME = "${kind}";

    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]*");

    private final String schema;

    public ${className}PluginKind() {
        try (InputStream in = ${className}PluginKind.class.getResourceAsStream("schema.json")) {
            if (in == null) {
                throw new IllegalStateException("schema.json is missing from the ${kind} plugin bundle");
            }
            schema = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the ${kind} plugin's schema.json", e);
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "Adds a header to the response of every request of its pipeline.";
    }

    @Override
    public Class<${className}Spec> specType() {
        return ${className}Spec.class;
    }

    @Override
    public String schema() {
        return schema;
    }

    @Override
    public void validate(${className}Spec spec, Violations violations) {
        if (spec.header() == null) {
            violations.add("header", "is required");
        } else if (!TOKEN.matcher(spec.header()).matches()) {
            violations.add("header", "'" + spec.header() + "' is not a valid header name");
        }
        if (spec.value() == null) {
            violations.add("value", "is required");
        }
    }

    @Override
    public Plugin create(${className}Spec spec, PluginContext context) {
        return new ${className}Plugin(spec, context.state());
    }
}
