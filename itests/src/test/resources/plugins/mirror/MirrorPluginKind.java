package it.example.mirror.internal;

import io.gatehouse.api.config.Violations;
import io.gatehouse.api.plugin.Forward;
import io.gatehouse.api.plugin.Plugin;
import io.gatehouse.api.plugin.PluginContext;
import io.gatehouse.api.plugin.PluginKind;
import org.osgi.service.component.annotations.Component;

/** A test plugin kind (PluginPlatformIT): a shadow copy of every request to another server. */
@Component(service = PluginKind.class, property = PluginKind.NAME_PROPERTY + "=mirror")
public final class MirrorPluginKind implements PluginKind<MirrorSpec> {

    @Override
    public String name() {
        return "mirror";
    }

    @Override
    public String description() {
        return "Sends a copy of every request to a shadow server and drops its answer.";
    }

    @Override
    public Class<MirrorSpec> specType() {
        return MirrorSpec.class;
    }

    @Override
    public String schema() {
        return "{\"type\":\"object\"}";
    }

    @Override
    public void validate(MirrorSpec spec, Violations violations) {
        violations.check(spec.port() != null && spec.port() > 0, "port", "a port is required");
    }

    @Override
    public Plugin create(MirrorSpec spec, PluginContext context) {
        Forward shadow = Forward.to("127.0.0.1", spec.port());
        return (exchange, completion) -> {
            exchange.bufferRequestBody(1 << 20);
            exchange.mirror(shadow).send();
            completion.complete("");
        };
    }
}
