package io.gatehouse.core.internal.config;

import static io.gatehouse.core.internal.config.Fixture.assertViolation;
import static io.gatehouse.core.internal.config.Fixture.pipeline;
import static io.gatehouse.core.internal.config.Fixture.server;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.gatehouse.api.config.ConfigException;
import io.gatehouse.api.config.ConfigObject;
import io.gatehouse.core.internal.testkit.FakeDataPlane;
import io.gatehouse.core.internal.testkit.MemoryLog;
import io.gatehouse.core.internal.testkit.TestKind;
import io.gatehouse.dataplane.ListenerSettings;
import io.gatehouse.dataplane.ListenerSettings.PathNormalization;
import io.gatehouse.dataplane.ServerTls;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

public class ValidationTest {
    private Fixture f;

    @Before
    public void start() throws Exception {
        f = new Fixture();
        f.service.addKind(new TestKind("mock", "denied", "retry"), 0, 1, "test.bundle", "1.0.0");
        f.start();
        f.apply(pipeline("demo", "mock", "{}"));
    }

    @After
    public void stop() {
        f.close();
    }

    @Test
    public void validServerGetsDefaultsAndRevision() throws Exception {
        List<ConfigObject> out = f.apply(server("web", 10080, "demo"));
        assertEquals(2, out.get(0).revision());
        ListenerSettings s = f.dataPlane.on(10080).settings();
        assertEquals(new ListenerSettings("web", "127.0.0.1", 10080, 8192, 16384, 256L * 1024 * 1024,
                Duration.ofSeconds(60), true, true, "gatehouse", PathNormalization.NORMALIZE, Duration.ofSeconds(10),
                Duration.ofSeconds(30), 10_000), s);
    }

    @Test
    public void fullServerSpecBinds() throws Exception {
        f.apply("""
                kind: HTTPServer
                name: full
                spec:
                  address: 0.0.0.0
                  port: 10081
                  http2: false
                  maxInitialLineLength: 4KiB
                  maxHeaderSize: 32768
                  maxRequestBody: 0
                  idleTimeout: 250ms
                  xForwarded: false
                  via: ""
                  pathNormalization: reject
                  requestHeadTimeout: 1500ms
                  bodyIdleTimeout: 1h
                  maxConnections: 1000000
                  rules:
                    - host: "*.example.com"
                      pathRegex: "^/v[0-9]+/"
                      methods: [GET, HEAD]
                      headers:
                        - name: X-Canary
                          value: "1"
                        - name: X-User
                          regex: "^(a|b)$"
                      pipeline: demo
                """);
        assertEquals(new ListenerSettings("full", "0.0.0.0", 10081, 4096, 32768, 0, Duration.ofMillis(250), false,
                false, null, PathNormalization.REJECT, Duration.ofMillis(1500), Duration.ofHours(1), 1_000_000),
                f.dataPlane.on(10081).settings());
    }

    @Test
    public void tlsSettingsBindWithDefaultsAndPaths() throws Exception {
        f.apply("""
                kind: HTTPServer
                name: secure
                spec:
                  address: 127.0.0.1
                  port: 10443
                  tls:
                    certificates:
                      - certificate: /etc/gatehouse/api.crt
                        key: /etc/gatehouse/api.key
                      - certificate: /etc/gatehouse/other.crt
                        key: /etc/gatehouse/other.key
                  rules: [{pipeline: demo}]
                """);
        ServerTls tls = f.dataPlane.on(10443).settings().tls();
        assertEquals(new ServerTls(List.of(
                new ServerTls.Certificate(Path.of("/etc/gatehouse/api.crt"), Path.of("/etc/gatehouse/api.key")),
                new ServerTls.Certificate(Path.of("/etc/gatehouse/other.crt"), Path.of("/etc/gatehouse/other.key"))),
                List.of("TLSv1.3", "TLSv1.2"), Duration.ofSeconds(10)), tls);
        assertEquals("https", f.dataPlane.on(10443).settings().scheme());
    }

    @Test
    public void badTlsSettingsAreReportedAtTheirPaths() throws Exception {
        ConfigException e = f.refused(400, """
                kind: HTTPServer
                name: secure
                spec:
                  port: 10443
                  tls:
                    certificates:
                      - certificate: /etc/gatehouse/api.crt
                      - key: /etc/gatehouse/api.key
                    protocols: [TLSv1.3, TLSv1.1]
                    reloadInterval: 0s
                  rules: [{pipeline: demo}]
                """);
        assertViolation(e, "$.spec.tls.certificates[0].key", "is required");
        assertViolation(e, "$.spec.tls.certificates[1].certificate", "is required");
        assertViolation(e, "$.spec.tls.protocols[1]", "must be TLSv1.3 or TLSv1.2");
        assertViolation(e, "$.spec.tls.reloadInterval", "");
        assertViolation(f.refused(400, """
                kind: HTTPServer
                name: secure
                spec:
                  port: 10443
                  tls: {certificates: []}
                  rules: [{pipeline: demo}]
                """), "$.spec.tls.certificates", "at least one certificate is required");
        assertViolation(f.refused(400, """
                kind: HTTPServer
                name: secure
                spec:
                  port: 10443
                  tls: {certificates: [{certificate: a, key: b}], ciphers: [RC4]}
                  rules: [{pipeline: demo}]
                """), "$.spec.tls.ciphers", "");
    }

    @Test
    public void clientLimitsAreBoundedAndReportedAtTheirPaths() throws Exception {
        ConfigException e = f.refused(400, """
                kind: HTTPServer
                name: web
                spec:
                  port: 10080
                  pathNormalization: lenient
                  requestHeadTimeout: 11m
                  bodyIdleTimeout: 0s
                  maxConnections: 0
                  rules: [{pipeline: demo}]
                """);
        assertViolation(e, "$.spec.pathNormalization", "must be normalize or reject");
        assertViolation(e, "$.spec.requestHeadTimeout", "must be at most 10m");
        assertViolation(e, "$.spec.bodyIdleTimeout", "must be positive");
        assertViolation(e, "$.spec.maxConnections", "must be between 1 and 1000000");
        ConfigException more = f.refused(400, """
                kind: HTTPServer
                name: web
                spec:
                  port: 10080
                  requestHeadTimeout: 10
                  bodyIdleTimeout: 61m
                  maxConnections: 1000001
                  rules: [{pipeline: demo}]
                """);
        assertViolation(more, "$.spec.requestHeadTimeout", "is not a duration");
        assertViolation(more, "$.spec.bodyIdleTimeout", "must be at most 1h");
        assertViolation(more, "$.spec.maxConnections", "must be between 1 and 1000000");
        assertTrue(f.dataPlane.open().isEmpty());
    }

    @Test
    public void rulePathsMustBeNormalSinceRequestsAreRoutedOnTheirNormalizedPath() throws Exception {
        ConfigException e = f.refused(400, """
                kind: HTTPServer
                name: web
                spec:
                  port: 10080
                  rules:
                    - path: /a/../dead/x
                      pipeline: demo
                    - pathPrefix: //dead/
                      pipeline: demo
                    - pathPrefix: /%64ead/
                      pipeline: demo
                    - path: /a b
                      pipeline: demo
                    - pathPrefix: /dead/%2F/~x
                      pipeline: demo
                """);
        assertViolation(e, "$.spec.rules[0].path", "must be a normalized path");
        assertViolation(e, "$.spec.rules[1].pathPrefix", "must be a normalized path");
        assertViolation(e, "$.spec.rules[2].pathPrefix", "must be a normalized path");
        assertViolation(e, "$.spec.rules[3].path", "must be a normalized path");
        assertEquals(4, e.violations().size());
    }

    @Test
    public void changedClientLimitsReachTheRunningListener() throws Exception {
        f.apply(server("web", 10080, "demo"));
        FakeDataPlane.FakeListener l = f.dataPlane.on(10080);
        f.apply(server("web", 10080, "demo").replace("  port: 10080\n", """
                  port: 10080
                  pathNormalization: reject
                  requestHeadTimeout: 2s
                  bodyIdleTimeout: 5s
                  maxConnections: 50
                """));
        assertTrue(l == f.dataPlane.on(10080));
        assertEquals(1, l.reconfigured);
        ListenerSettings s = l.settings();
        assertEquals(PathNormalization.REJECT, s.pathNormalization());
        assertEquals(Duration.ofSeconds(2), s.requestHeadTimeout());
        assertEquals(Duration.ofSeconds(5), s.bodyIdleTimeout());
        assertEquals(50, s.maxConnections());
    }

    @Test
    public void unknownFieldIsReportedAtItsPath() throws Exception {
        ConfigException e = f.refused(400, """
                kind: HTTPServer
                name: web
                spec:
                  port: 10080
                  rules:
                    - pathPrefix: /
                      pipeline: demo
                    - pathPrefx: /api
                      pipeline: demo
                """);
        assertViolation(e, "$.spec.rules[1].pathPrefx", "unknown field");
        assertTrue(e.violations().get(0).message(), e.violations().get(0).message().contains("pathPrefix"));
    }

    @Test
    public void wrongTypeIsReportedAtItsPath() throws Exception {
        assertViolation(f.refused(400, """
                kind: HTTPServer
                name: web
                spec:
                  port: abc
                  rules: [{pipeline: demo}]
                """), "$.spec.port", "expected an integer");
        assertViolation(f.refused(400, """
                kind: HTTPServer
                name: web
                spec:
                  port: 10080
                  http2: maybe
                  rules: [{pipeline: demo}]
                """), "$.spec.http2", "true or false");
        assertViolation(f.refused(400, """
                kind: HTTPServer
                name: web
                spec:
                  port: 10080
                  rules: {pipeline: demo}
                """), "$.spec.rules", "a list");
    }

    @Test
    public void crossFieldRulesOfServers() throws Exception {
        ConfigException e = f.refused(400, """
                kind: HTTPServer
                name: web
                spec:
                  address: localhost
                  port: 70000
                  maxHeaderSize: 16 kilobytes
                  idleTimeout: 5
                  rules:
                    - path: /a
                      pathPrefix: /b
                      pipeline: demo
                    - pathRegex: "([a-z"
                      methods: ["GE T"]
                      pipeline: demo
                    - headers:
                        - name: X-A
                          value: "1"
                          regex: "1"
                        - name: X-B
                      pipeline: demo
                    - pathPrefix: nope
                """);
        assertViolation(e, "$.spec.address", "IP address");
        assertViolation(e, "$.spec.port", "between 1 and 65535");
        assertViolation(e, "$.spec.maxHeaderSize", "is not a size");
        assertViolation(e, "$.spec.idleTimeout", "is not a duration");
        assertViolation(e, "$.spec.rules[0]", "at most one of path, pathPrefix and pathRegex");
        assertViolation(e, "$.spec.rules[1].pathRegex", "not a valid regular expression");
        assertViolation(e, "$.spec.rules[1].methods[0]", "HTTP method");
        assertViolation(e, "$.spec.rules[2].headers[0]", "exactly one of value and regex");
        assertViolation(e, "$.spec.rules[2].headers[1]", "exactly one of value and regex");
        assertViolation(e, "$.spec.rules[3].pathPrefix", "must start with /");
        assertViolation(e, "$.spec.rules[3].pipeline", "is required");
    }

    @Test
    public void sizesAndDurationsOutOfTheirBoundsAreRefusedAndNothingIsApplied() throws Exception {
        long index = f.service.appliedIndex();
        ConfigException e = f.refused(400, """
                kind: HTTPServer
                name: web
                spec:
                  port: 10080
                  maxInitialLineLength: 10
                  maxHeaderSize: 1
                  maxRequestBody: 2048GiB
                  idleTimeout: 999999999h
                  rules: [{pipeline: demo}]
                """);
        assertViolation(e, "$.spec.maxInitialLineLength", "must be between 256 and 1MiB, found '10'");
        assertViolation(e, "$.spec.maxHeaderSize", "must be between 1KiB and 1MiB, found '1'");
        assertViolation(e, "$.spec.maxRequestBody", "must be between 0 and 1024GiB, found '2048GiB'");
        assertViolation(e, "$.spec.idleTimeout", "must be between 100ms and 24h, found '999999999h'");
        assertEquals(4, e.violations().size());
        ConfigException tiny = f.refused(400, """
                kind: HTTPServer
                name: web
                spec:
                  port: 10080
                  maxHeaderSize: 2MiB
                  idleTimeout: 0s
                  rules: [{pipeline: demo}]
                """);
        assertViolation(tiny, "$.spec.maxHeaderSize", "must be between 1KiB and 1MiB, found '2MiB'");
        assertViolation(tiny, "$.spec.idleTimeout", "must be between 100ms and 24h, found '0s'");
        assertEquals(index, f.service.appliedIndex());
        assertEquals(List.of(), f.dataPlane.open());
    }

    @Test
    public void anAddressThatOnlyLooksLikeIpv6IsRefusedAtItsPath() throws Exception {
        for (String address : List.of(":::::", "1:2:3:4:5:6:7:8:9", "12345::1", "::1::")) {
            ConfigException e = f.refused(400, "kind: HTTPServer\nname: web\nspec:\n  address: \"" + address
                    + "\"\n  port: 10080\n  rules: [{pipeline: demo}]\n");
            assertViolation(e, "$.spec.address", "must be an IP address");
        }
        f.apply("kind: HTTPServer\nname: web\nspec:\n  address: \"::1\"\n  port: 10080\n  rules: [{pipeline: demo}]\n");
        assertEquals("::1", f.dataPlane.on(10080).settings().address());
    }

    @Test
    public void bindingErrorsAreInPlainWords() throws Exception {
        ConfigException e = f.refused(400, """
                kind: HTTPServer
                name: web
                spec:
                  port: 99999999999999
                  rules: [{pipeline: demo}]
                """);
        assertViolation(e, "$.spec.port", "the number 99999999999999 is out of range");
        assertFalse(e.getMessage(), e.getMessage().contains("int (-2147483648"));
    }

    @Test
    public void missingPipelineIs400() throws Exception {
        ConfigException e = f.refused(400, server("web", 10080, "nope"));
        assertViolation(e, "$.spec.rules[0].pipeline", "Pipeline 'nope' does not exist");
        assertTrue(f.dataPlane.open().isEmpty());
    }

    @Test
    public void samePortIs409() throws Exception {
        f.apply(server("a", 10080, "demo"));
        ConfigException e = f.refused(409, server("b", 10080, "demo"));
        assertEquals(ConfigException.CONFLICT, e.code());
        assertViolation(e, "$.spec.port", "conflicts with HTTPServer 'a'");
        ConfigException wildcard = f.refused(409, server("c", 10080, "demo").replace("127.0.0.1", "0.0.0.0"));
        assertViolation(wildcard, "$.spec.port", "conflicts with HTTPServer 'a'");
        f.apply(server("d", 10081, "demo"));
    }

    @Test
    public void portHeldByAnotherProcessIs409() throws Exception {
        f.dataPlane.foreignPorts.add(10080);
        ConfigException e = f.refused(409, server("web", 10080, "demo"));
        assertViolation(e, "$.spec.port", "address 127.0.0.1:10080 is already in use");
    }

    @Test
    public void identicalRulesAre409() throws Exception {
        ConfigException e = f.refused(409, """
                kind: HTTPServer
                name: web
                spec:
                  port: 10080
                  rules:
                    - pathPrefix: /api
                      methods: [GET, POST]
                      pipeline: demo
                    - pathPrefix: /other
                      pipeline: demo
                    - pathPrefix: /api
                      methods: [POST, GET]
                      pipeline: demo
                """);
        assertViolation(e, "$.spec.rules[2]", "same matchers as rules[0]");
    }

    @Test
    public void pipelineRules() throws Exception {
        ConfigException e = f.refused(400, """
                kind: Pipeline
                name: bad
                spec:
                  plugins:
                    - name: a
                      kind: mock
                      jumpIf:
                        denied: a
                        retry: nowhere
                        other: END
                    - name: a
                      kind: mock
                    - name: END
                      kind: mock
                      spec: []
                """);
        assertViolation(e, "$.spec.plugins[0].jumpIf.denied", "does not come after");
        assertViolation(e, "$.spec.plugins[0].jumpIf.retry", "not a plugin of this pipeline");
        assertViolation(e, "$.spec.plugins[1].name", "already the name of plugins[0]");
        assertViolation(e, "$.spec.plugins[2].name", "reserved");
        assertViolation(e, "$.spec.plugins[2].spec", "must be an object");
        assertViolation(f.refused(400, "kind: Pipeline\nname: empty\nspec:\n  plugins: []\n"), "$.spec.plugins",
                "at least one");
    }

    @Test
    public void pluginSpecsAreValidatedByTheirKind() throws Exception {
        ConfigException e = f.refused(400, """
                kind: Pipeline
                name: bad
                spec:
                  plugins:
                    - name: a
                      kind: mock
                      spec: {status: 99}
                      jumpIf: {unknownResult: END}
                    - name: b
                      kind: mock
                      spec: {bogus: 1}
                    - name: c
                      kind: mock
                      spec: {status: "x"}
                """);
        assertViolation(e, "$.spec.plugins[0].spec.status", "between 100 and 599");
        assertViolation(e, "$.spec.plugins[0].jumpIf.unknownResult", "its results are denied, retry");
        assertViolation(e, "$.spec.plugins[1].spec.bogus", "unknown field");
        assertViolation(e, "$.spec.plugins[2].spec.status", "expected an integer");
    }

    @Test
    public void aKnownKindThatIsNotInstalledNowIsAcceptedButUnavailable() throws Exception {
        f.knownKinds("notyet");
        f.apply(pipeline("later", "notyet", "{anything: goes}"));
        assertEquals("plugin kind 'notyet' is not installed",
                f.service.pipelines().current("later").unavailableReason());
    }

    @Test
    public void aKindNoBundleEverRegisteredIsRefusedWithItsPathAndNothingIsLogged() throws Exception {
        long before = f.log.lastIndex();
        ConfigException e = f.refused(400, pipeline("typo", "porxy", "{}"));
        assertViolation(e, "$.spec.plugins[0].kind", "unknown plugin kind 'porxy'");
        assertEquals(before, f.log.lastIndex());
        assertTrue(f.service.get("Pipeline", "typo").isEmpty());
    }

    @Test
    public void aKindUsedByAStoredPipelineStaysKnownAfterARestart() throws Exception {
        MemoryLog log = new MemoryLog();
        try (Fixture first = new Fixture(log, new FakeDataPlane()).start().knownKinds("gone")) {
            first.apply(pipeline("a", "gone", "{}"));
        }
        // the restarted node has never seen 'gone' registered, but a stored pipeline uses it
        try (Fixture second = new Fixture(log, new FakeDataPlane()).start()) {
            second.apply(pipeline("b", "gone", "{}"));
            assertEquals("plugin kind 'gone' is not installed",
                    second.service.pipelines().current("b").unavailableReason());
            assertViolation(second.refused(400, pipeline("c", "other", "{}")), "$.spec.plugins[0].kind",
                    "unknown plugin kind 'other'");
        }
    }

    @Test
    public void batchPathsCarryTheIndexAndDuplicatesAre400() throws Exception {
        ConfigException e = f.refused(400, pipeline("x", "mock", "{}") + "---\n" + server("web", 10080, "missing"));
        assertViolation(e, "$[1].spec.rules[0].pipeline", "does not exist");
        ConfigException dup = f.refused(400, pipeline("x", "mock", "{}") + "---\n" + pipeline("x", "mock", "{}"));
        assertViolation(dup, "$[1]", "appears twice");
    }

    @Test
    public void batchMayReferenceAPipelineOfTheSameBatch() throws Exception {
        List<ConfigObject> out = f.apply(pipeline("fresh", "mock", "{}") + "---\n" + server("web", 10080, "fresh"));
        assertEquals("one entry for the batch", List.of(2L, 2L), out.stream().map(ConfigObject::revision).toList());
    }

    @Test
    public void createUpdateDeleteSemantics() throws Exception {
        List<ConfigObject> p = f.parse(pipeline("demo", "mock", "{}"));
        try {
            f.service.create(p);
            fail();
        } catch (ConfigException e) {
            assertEquals(409, e.status());
            assertViolation(e, "$.name", "already exists");
        }
        List<ConfigObject> q = f.parse(pipeline("other", "mock", "{}"));
        try {
            f.service.update(q);
            fail();
        } catch (ConfigException e) {
            assertEquals(404, e.status());
        }
        assertEquals(2, f.service.create(q).get(0).revision());
        assertEquals("an unchanged update keeps the revision", 2, f.service.update(q).get(0).revision());
        assertEquals(3, f.service.update(f.parse(pipeline("other", "mock", "{status: 204}"))).get(0).revision());
        try {
            f.service.delete("Pipeline", "nope");
            fail();
        } catch (ConfigException e) {
            assertEquals(404, e.status());
        }
    }

    @Test
    public void deletingAReferencedPipelineIs409() throws Exception {
        f.apply(server("web", 10080, "demo"));
        try {
            f.service.delete("Pipeline", "demo");
            fail();
        } catch (ConfigException e) {
            assertEquals(409, e.status());
            assertTrue(e.getMessage(), e.getMessage().contains("used by HTTPServer 'web'"));
        }
        f.service.delete("HTTPServer", "web");
        f.service.delete("Pipeline", "demo");
        assertTrue(f.service.list(null).isEmpty());
        assertTrue(f.dataPlane.open().isEmpty());
    }
}
