package io.gatehouse.core.internal.config;

import static io.gatehouse.core.internal.config.Fixture.pipeline;
import static org.junit.Assert.assertEquals;

import io.gatehouse.api.stats.RouteCounters;
import io.gatehouse.core.internal.testkit.FakeDataPlane;
import io.gatehouse.core.internal.testkit.FakeExchange;
import io.gatehouse.core.internal.testkit.MemoryLog;
import io.gatehouse.core.internal.testkit.TestKind;
import java.util.List;
import org.junit.After;
import org.junit.Test;

/**
 * The requests each routing rule matched, counted when they end by the status class of their response (the
 * route metric): a pipeline's answer, a pipeline that cannot run, and a request no rule matches (counted by
 * no rule).
 */
public class RouteCountersTest {
    private Fixture f;

    @After
    public void stop() {
        if (f != null) {
            f.close();
        }
    }

    @Test
    public void eachRuleCountsTheStatusClassesItsRequestsEndedWith() throws Exception {
        FakeDataPlane dp = new FakeDataPlane();
        f = new Fixture(new MemoryLog(), dp);
        f.start().knownKinds("missing");
        f.service.addKind(new TestKind("mock"), 0, 1, "b", "1");
        f.apply(pipeline("ok", "mock", "{status: 200}") + "---\n" + pipeline("broken", "mock", "{status: 503}")
                + "---\n" + pipeline("gone", "missing", "{}") + """
                ---
                kind: HTTPServer
                name: web
                spec:
                  address: 127.0.0.1
                  port: 10080
                  rules:
                    - {path: /ok, pipeline: ok}
                    - {path: /gone, pipeline: gone}
                    - {pathPrefix: /b/, pipeline: broken}
                """);
        FakeDataPlane.FakeListener web = dp.on(10080);
        assertEquals(200, web.serve(FakeExchange.get("/ok")).status());
        assertEquals(200, web.serve(FakeExchange.get("/ok")).status());
        assertEquals(503, web.serve(FakeExchange.get("/b/x")).status());
        assertEquals("a pipeline whose kind is missing", 503, web.serve(FakeExchange.get("/gone")).status());
        assertEquals("no rule", 404, web.serve(FakeExchange.get("/none")).status());

        List<RouteCounters> routes = f.service.traffic.routes();
        assertEquals(List.of(new RouteCounters("web", 0, "path=/ok", "ok", 0, 2, 0, 0, 0),
                new RouteCounters("web", 1, "path=/gone", "gone", 0, 0, 0, 0, 1),
                new RouteCounters("web", 2, "pathPrefix=/b/", "broken", 0, 0, 0, 0, 1)), routes);
        assertEquals(2, routes.get(0).requests());
    }
}
