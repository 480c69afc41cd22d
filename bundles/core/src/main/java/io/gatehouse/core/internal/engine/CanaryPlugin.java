package io.gatehouse.core.internal.engine;

import io.gatehouse.api.plugin.Completion;
import io.gatehouse.api.plugin.Exchange;
import io.gatehouse.api.plugin.HttpResponse;
import io.gatehouse.api.plugin.Plugin;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;

/**
 * One plugin of a pipeline running two versions of its kind: each request goes to the canary version when it
 * carries the canary header (header canary) or with the canary's weight (weighted canary), else to the primary
 * version. Requests and results are counted per version.
 */
public final class CanaryPlugin implements Plugin {
    private final Plugin primary;
    private final Plugin canary;
    private final Context canaryContext;
    private final PluginDefinition.Canary rule;
    private final Counts primaryCounts;
    private final Counts canaryCounts;

    /** Requests and results of one version in this generation. */
    public static final class Counts {
        private final String version;
        private final LongAdder requests = new LongAdder();
        private final Map<String, LongAdder> results = new ConcurrentHashMap<>();

        Counts(String version) {
            this.version = version;
        }

        public String version() {
            return version;
        }

        public long requests() {
            return requests.sum();
        }

        /** Completed calls by result ({@code ""} for success, {@code "failed"} for a plugin failure). */
        public Map<String, Long> results() {
            Map<String, Long> out = new java.util.TreeMap<>();
            results.forEach((k, v) -> out.put(k, v.sum()));
            return out;
        }

        void result(String result) {
            // bounded by the kind's declared results, plus success and failed
            results.computeIfAbsent(result, r -> new LongAdder()).increment();
        }
    }

    CanaryPlugin(Plugin primary, String primaryVersion, Plugin canary, String canaryVersion, Context canaryContext,
                 PluginDefinition.Canary rule) {
        this.primary = primary;
        this.canary = canary;
        this.canaryContext = canaryContext;
        this.rule = rule;
        this.primaryCounts = new Counts(primaryVersion);
        this.canaryCounts = new Counts(canaryVersion);
    }

    public Counts primaryCounts() {
        return primaryCounts;
    }

    public Counts canaryCounts() {
        return canaryCounts;
    }

    private boolean toCanary(Exchange exchange) {
        if (rule.header() != null) {
            return exchange.request().headers().contains(rule.header(), rule.value(), false);
        }
        return ThreadLocalRandom.current().nextInt(100) < rule.weight();
    }

    @Override
    public void handle(Exchange exchange, Completion completion) {
        boolean c = toCanary(exchange);
        Counts counts = c ? canaryCounts : primaryCounts;
        counts.requests.increment();
        (c ? canary : primary).handle(exchange, new Counting(completion, counts));
    }

    /** Counts the result on its way to the pipeline. */
    private static final class Counting implements Completion {
        private final Completion inner;
        private final Counts counts;

        Counting(Completion inner, Counts counts) {
            this.inner = inner;
            this.counts = counts;
        }

        @Override
        public void complete(String result) {
            inner.complete(result);
            counts.result(result == null ? "" : result);
        }

        @Override
        public void fail(Throwable error) {
            inner.fail(error);
            counts.result("failed");
        }

        @Override
        public CompletionStage<HttpResponse> proceed() {
            return inner.proceed();
        }
    }

    @Override
    public void close() {
        canaryContext.close();
        try {
            canary.close();
        } finally {
            primary.close();
        }
    }
}
