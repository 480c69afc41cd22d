package io.gatehouse.core.internal.testkit;

import io.gatehouse.api.config.Violations;
import io.gatehouse.api.plugin.Completion;
import io.gatehouse.api.plugin.Exchange;
import io.gatehouse.api.plugin.Plugin;
import io.gatehouse.api.plugin.PluginContext;
import io.gatehouse.api.plugin.PluginKind;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A scriptable plugin kind: an instance records its visit in the exchange attributes ("trace"), may answer
 * with a status, then completes with its configured result, throws, or parks its completion for the test.
 */
public class TestKind implements PluginKind<TestKind.Spec> {

    /** The spec: every field optional. */
    public record Spec(Integer status, String result, Boolean fail, Boolean async) {
    }

    private final String name;
    private final List<String> results;
    public final List<Instance> created = new CopyOnWriteArrayList<>();
    public final ConcurrentLinkedQueue<Completion> parked = new ConcurrentLinkedQueue<>();
    public volatile boolean refuseCreate;

    public TestKind(String name, String... results) {
        this.name = name;
        this.results = List.of(results);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String description() {
        return "Test plugin " + name;
    }

    @Override
    public List<String> results() {
        return results;
    }

    @Override
    public Class<Spec> specType() {
        return Spec.class;
    }

    @Override
    public String schema() {
        return "{\"type\":\"object\"}";
    }

    @Override
    public void validate(Spec spec, Violations violations) {
        if (spec.status() != null) {
            violations.check(spec.status() >= 100 && spec.status() <= 599, "status", "must be between 100 and 599");
        }
    }

    @Override
    public Plugin create(Spec spec, PluginContext context) {
        Plugin previous = context.previous();
        if (refuseCreate) {
            throw new IllegalStateException("refused by test");
        }
        Instance i = new Instance(this, spec, context, (Instance) previous);
        created.add(i);
        return i;
    }

    /** One instance. */
    public static final class Instance implements Plugin {
        private final TestKind kind;
        public final Spec spec;
        public final PluginContext context;
        public final Instance previous;
        public volatile boolean closed;

        Instance(TestKind kind, Spec spec, PluginContext context, Instance previous) {
            this.kind = kind;
            this.spec = spec;
            this.context = context;
            this.previous = previous;
        }

        @Override
        @SuppressWarnings("unchecked")
        public void handle(Exchange exchange, Completion completion) {
            ((List<String>) exchange.attributes().computeIfAbsent("trace", k -> new CopyOnWriteArrayList<String>()))
                    .add(context.plugin() + "@" + context.generation());
            if (spec.status() != null) {
                exchange.respond(spec.status());
            }
            if (Boolean.TRUE.equals(spec.fail())) {
                throw new IllegalStateException("boom from " + context.plugin());
            }
            if (Boolean.TRUE.equals(spec.async())) {
                kind.parked.add(completion);
                return;
            }
            completion.complete(spec.result() == null ? "" : spec.result());
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    @SuppressWarnings("unchecked")
    public static List<String> trace(Exchange exchange) {
        Object t = exchange.attributes().get("trace");
        return t == null ? List.of() : (List<String>) t;
    }
}
