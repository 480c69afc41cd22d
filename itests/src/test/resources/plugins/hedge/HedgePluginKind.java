package it.example.hedge.internal;

import io.gatehouse.api.config.Violations;
import io.gatehouse.api.plugin.Forward;
import io.gatehouse.api.plugin.Plugin;
import io.gatehouse.api.plugin.PluginContext;
import io.gatehouse.api.plugin.PluginKind;
import java.time.Duration;
import org.osgi.service.component.annotations.Component;

/** A test plugin kind (PluginPlatformIT): hedged requests between two servers. */
@Component(service = PluginKind.class, property = PluginKind.NAME_PROPERTY + "=hedge")
public final class HedgePluginKind implements PluginKind<HedgeSpec> {

    @Override
    public String name() {
        return "hedge";
    }

    @Override
    public String description() {
        return "Sends to the primary, and to the secondary too when the primary is slow; the first answer wins.";
    }

    @Override
    public Class<HedgeSpec> specType() {
        return HedgeSpec.class;
    }

    @Override
    public String schema() {
        return "{\"type\":\"object\"}";
    }

    @Override
    public void validate(HedgeSpec spec, Violations violations) {
        violations.check(spec.primary() != null && spec.primary() > 0, "primary", "a port is required");
        violations.check(spec.secondary() != null && spec.secondary() > 0, "secondary", "a port is required");
        violations.check(spec.afterMs() != null && spec.afterMs() >= 0, "afterMs", "must be 0 or more");
    }

    @Override
    public Plugin create(HedgeSpec spec, PluginContext context) {
        return new HedgePlugin(Forward.to("127.0.0.1", spec.primary()).readTimeout(Duration.ofSeconds(10)),
                Forward.to("127.0.0.1", spec.secondary()).readTimeout(Duration.ofSeconds(10)), spec.afterMs());
    }
}
