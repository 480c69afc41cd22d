package io.gatehouse.core.internal.config;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.fail;

import io.gatehouse.api.config.ConfigException;
import io.gatehouse.api.config.ConfigFormat;
import io.gatehouse.api.config.ConfigObject;
import io.gatehouse.api.config.Violation;
import io.gatehouse.api.log.OperationLog;
import io.gatehouse.core.internal.testkit.FakeDataPlane;
import io.gatehouse.core.internal.testkit.MemoryLog;
import io.gatehouse.core.internal.testkit.TestKind;
import java.lang.annotation.Annotation;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** A core wired to fakes, started and stopped like DS would. */
final class Fixture implements AutoCloseable {
    final OperationLog log;
    final FakeDataPlane dataPlane;
    final CoreConfigService service;
    private final List<Runnable> cleanups = new ArrayList<>();

    Fixture() {
        this(new MemoryLog(), new FakeDataPlane());
    }

    Fixture(OperationLog log, FakeDataPlane dataPlane) {
        this.log = log;
        this.dataPlane = dataPlane;
        this.service = new CoreConfigService(log, dataPlane);
        service.portProbe = dataPlane::probe;
        if (log instanceof MemoryLog m) {
            m.addListener(service);
            cleanups.add(() -> m.removeListener(service));
        }
    }

    /**
     * Registers and unregisters a kind of each name: the names are then known to the node (as after a plugin
     * bundle was stopped), so pipelines may use them while they are missing.
     */
    Fixture knownKinds(String... names) {
        for (String name : names) {
            TestKind kind = new TestKind(name);
            service.addKind(kind, 0, 1, "stopped.bundle", "1");
            service.removeKind(kind);
        }
        return this;
    }

    MemoryLog memoryLog() {
        return (MemoryLog) log;
    }

    Fixture start() throws Exception {
        return start("/nonexistent/gatehouse-default.yaml", 100);
    }

    Fixture start(String defaults, int snapshotEvery) throws Exception {
        return start(config(defaults, snapshotEvery));
    }

    Fixture start(CoreConfigService.Config config) throws Exception {
        service.start(config);
        return this;
    }

    static CoreConfigService.Config config(String defaults, int snapshotEvery) {
        return config(defaults, snapshotEvery, "1s", "30s");
    }

    static CoreConfigService.Config config(String defaults, int snapshotEvery, String retryInitial, String retryMax) {
        return config(defaults, snapshotEvery, retryInitial, retryMax, true, "10s");
    }

    static CoreConfigService.Config config(String defaults, int snapshotEvery, String retryInitial, String retryMax,
                                           boolean standalone, String writeTimeout) {
        return config(defaults, snapshotEvery, retryInitial, retryMax, standalone, writeTimeout, 0);
    }

    /** A standalone (or not) core whose HTTPServers bind their port + {@code portOffset}. */
    static CoreConfigService.Config config(boolean standalone, int portOffset) {
        return config("/nonexistent/gatehouse-default.yaml", 100, "1s", "30s", standalone, "10s", portOffset);
    }

    static CoreConfigService.Config config(String defaults, int snapshotEvery, String retryInitial, String retryMax,
                                           boolean standalone, String writeTimeout, int portOffset) {
        return config(defaults, snapshotEvery, retryInitial, retryMax, standalone, writeTimeout, portOffset, "0s");
    }

    /** A standalone core whose pipelines keep serving {@code kindGrace} after their kind went away. */
    static CoreConfigService.Config withKindGrace(String kindGrace) {
        return config("/nonexistent/gatehouse-default.yaml", 100, "1s", "30s", true, "10s", 0, kindGrace);
    }

    static CoreConfigService.Config config(String defaults, int snapshotEvery, String retryInitial, String retryMax,
                                           boolean standalone, String writeTimeout, int portOffset,
                                           String kindGrace) {
        return new CoreConfigService.Config() {
            @Override
            public String kindGrace() {
                return kindGrace;
            }

            @Override
            public boolean accessLog() {
                return false;
            }

            @Override
            public int accessLogQueue() {
                return 65_536;
            }

            @Override
            public Class<? extends Annotation> annotationType() {
                return CoreConfigService.Config.class;
            }

            @Override
            public String defaults() {
                return defaults;
            }

            @Override
            public int snapshotEvery() {
                return snapshotEvery;
            }

            @Override
            public boolean standalone() {
                return standalone;
            }

            @Override
            public String writeTimeout() {
                return writeTimeout;
            }

            @Override
            public String bindRetryInitial() {
                return retryInitial;
            }

            @Override
            public String bindRetryMax() {
                return retryMax;
            }

            @Override
            public int portOffset() {
                return portOffset;
            }
        };
    }

    List<ConfigObject> apply(String yaml) throws ConfigException {
        return service.apply(parse(yaml));
    }

    List<ConfigObject> parse(String yaml) throws ConfigException {
        return service.parse(yaml.getBytes(StandardCharsets.UTF_8), ConfigFormat.YAML);
    }

    /** Applies and expects a refusal with the given status. */
    ConfigException refused(int status, String yaml) throws ConfigException {
        List<ConfigObject> objects = parse(yaml);
        try {
            service.apply(objects);
        } catch (ConfigException e) {
            assertEquals(e.getMessage(), status, e.status());
            return e;
        }
        fail("expected " + status + " for:\n" + yaml);
        return null;
    }

    static void assertViolation(ConfigException e, String path, String fragment) {
        for (Violation v : e.violations()) {
            if (v.path().equals(path) && v.message().contains(fragment)) {
                return;
            }
        }
        fail("no violation at " + path + " containing '" + fragment + "' in " + e.violations());
    }

    @Override
    public void close() {
        service.deactivate();
        cleanups.forEach(Runnable::run);
    }

    static String server(String name, int port, String pipeline) {
        return """
                kind: HTTPServer
                name: %s
                spec:
                  address: 127.0.0.1
                  port: %d
                  rules:
                    - pathPrefix: /
                      pipeline: %s
                """.formatted(name, port, pipeline);
    }

    static String pipeline(String name, String kind, String spec) {
        return """
                kind: Pipeline
                name: %s
                spec:
                  plugins:
                    - name: p1
                      kind: %s
                      spec: %s
                """.formatted(name, kind, spec);
    }
}
