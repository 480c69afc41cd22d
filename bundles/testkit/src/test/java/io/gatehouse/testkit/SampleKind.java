package io.gatehouse.testkit;

import io.gatehouse.api.config.Violations;
import io.gatehouse.api.plugin.Completion;
import io.gatehouse.api.plugin.Exchange;
import io.gatehouse.api.plugin.Plugin;
import io.gatehouse.api.plugin.PluginContext;
import io.gatehouse.api.plugin.PluginKind;
import java.util.List;

/** A small plugin kind for the harness tests: answers with a fixed status, or forwards to the first rule. */
final class SampleKind implements PluginKind<SampleKind.Spec> {

    enum Mode { ANSWER, FORWARD }

    record Rule(String name, int weight) {
    }

    record Spec(Integer status, List<Rule> rules, Mode mode) {
        Spec {
            status = status == null ? 200 : status;
            rules = rules == null ? List.of() : List.copyOf(rules);
            mode = mode == null ? Mode.ANSWER : mode;
        }
    }

    /** An instance: remembers where it lives and what it took over. */
    record Instance(Spec spec, PluginContext context, Plugin previous) implements Plugin {
        @Override
        public void handle(Exchange exchange, Completion completion) {
            exchange.respond(spec.status());
            completion.complete("");
        }
    }

    volatile boolean throwInValidate;

    @Override
    public String name() {
        return "sample";
    }

    @Override
    public String description() {
        return "Answers with a fixed status.";
    }

    @Override
    public Class<Spec> specType() {
        return Spec.class;
    }

    @Override
    public String schema() {
        return "{\"type\": \"object\"}";
    }

    @Override
    public void validate(Spec spec, Violations violations) {
        if (throwInValidate) {
            throw new IllegalStateException("validator bug");
        }
        violations.check(spec.status() >= 100 && spec.status() <= 599, "status", "must be 100..599");
        for (int i = 0; i < spec.rules().size(); i++) {
            Rule rule = spec.rules().get(i);
            violations.at("rules").at(i).check(rule.name() != null && !rule.name().isEmpty(), "name", "is required");
        }
    }

    @Override
    public Plugin create(Spec spec, PluginContext context) {
        if (spec.mode() == Mode.FORWARD && spec.rules().isEmpty()) {
            throw new IllegalArgumentException("$.rules: forward needs a rule");
        }
        return new Instance(spec, context, context.previous());
    }
}
