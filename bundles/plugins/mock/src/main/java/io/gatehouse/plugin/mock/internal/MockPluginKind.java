package io.gatehouse.plugin.mock.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.gatehouse.api.config.Violations;
import io.gatehouse.api.plugin.Plugin;
import io.gatehouse.api.plugin.PluginContext;
import io.gatehouse.api.plugin.PluginKind;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/**
 * The {@code mock} plugin kind: answers requests with a fixed response or an echo of the request,
 * without an upstream. The bundle's only component.
 */
@Component(service = PluginKind.class)
@GatehousePluginKind(MockPluginKind.NAME)
public final class MockPluginKind implements PluginKind<MockSpec> {
    static final String NAME = "mock";

    /** Shared by every instance; an ObjectMapper is thread-safe once configured. */
    private final ObjectMapper mapper = new ObjectMapper();
    private volatile String schema;

    @Activate
    void activate() {
        try (InputStream in = MockPluginKind.class.getResourceAsStream("schema.json")) {
            if (in == null) {
                throw new IllegalStateException("schema.json is missing from the mock plugin bundle");
            }
            schema = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the mock plugin's schema.json", e);
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "Answers requests itself with a fixed response or a JSON echo of the request.";
    }

    @Override
    public Class<MockSpec> specType() {
        return MockSpec.class;
    }

    @Override
    public String schema() {
        String s = schema;
        if (s == null) {
            throw new IllegalStateException("the mock plugin kind is not active");
        }
        return s;
    }

    @Override
    public void validate(MockSpec spec, Violations violations) {
        MockSpecValidator.validate(spec, violations);
    }

    @Override
    public Plugin create(MockSpec spec, PluginContext context) {
        Violations violations = Violations.root();
        validate(spec, violations);
        if (!violations.isEmpty()) {
            throw new IllegalArgumentException("invalid mock spec: " + violations.list());
        }
        return new MockPlugin(spec, mapper);
    }
}
