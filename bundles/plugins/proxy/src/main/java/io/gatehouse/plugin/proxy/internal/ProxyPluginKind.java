package io.gatehouse.plugin.proxy.internal;

import io.gatehouse.api.config.Violations;
import io.gatehouse.api.plugin.Plugin;
import io.gatehouse.api.plugin.PluginContext;
import io.gatehouse.api.plugin.PluginKind;
import io.gatehouse.plugin.proxy.internal.lb.Dice;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/**
 * The {@code proxy} plugin kind: sends requests to upstream servers chosen by pool and load-balancing
 * policy. The bundle's only component.
 */
@Component(service = PluginKind.class)
@GatehousePluginKind(ProxyPluginKind.NAME)
public final class ProxyPluginKind implements PluginKind<ProxySpec> {
    static final String NAME = "proxy";

    private final ProxyPluginFactory factory;
    private volatile String schema;

    public ProxyPluginKind() {
        this(Dice.threadLocal());
    }

    ProxyPluginKind(Dice dice) {
        this.factory = new ProxyPluginFactory(dice);
    }

    @Activate
    void activate() {
        try (InputStream in = ProxyPluginKind.class.getResourceAsStream("schema.json")) {
            if (in == null) {
                throw new IllegalStateException("schema.json is missing from the proxy plugin bundle");
            }
            schema = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the proxy plugin's schema.json", e);
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "Forwards requests to upstream HTTP servers, chosen by pool and load-balancing policy.";
    }

    @Override
    public List<String> results() {
        return List.of(ProxyPlugin.UPSTREAM_ERROR, ProxyPlugin.NO_SERVER);
    }

    @Override
    public Class<ProxySpec> specType() {
        return ProxySpec.class;
    }

    @Override
    public String schema() {
        String s = schema;
        if (s == null) {
            throw new IllegalStateException("the proxy plugin kind is not active");
        }
        return s;
    }

    @Override
    public void validate(ProxySpec spec, Violations violations) {
        ProxySpecValidator.validate(spec, violations);
    }

    @Override
    public Plugin create(ProxySpec spec, PluginContext context) {
        Violations violations = Violations.root();
        validate(spec, violations);
        if (!violations.isEmpty()) {
            throw new IllegalArgumentException("invalid proxy spec: " + violations.list());
        }
        return factory.create(spec, context.pipeline() + "/" + context.plugin(),
                context.previous() instanceof ProxyPlugin p ? p : null);
    }
}
