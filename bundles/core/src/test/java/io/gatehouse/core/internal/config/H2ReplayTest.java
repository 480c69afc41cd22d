package io.gatehouse.core.internal.config;

import static io.gatehouse.core.internal.config.Fixture.pipeline;
import static io.gatehouse.core.internal.config.Fixture.server;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.gatehouse.api.config.ConfigObject;
import io.gatehouse.core.internal.testkit.FakeDataPlane;
import io.gatehouse.core.internal.testkit.FakeExchange;
import io.gatehouse.core.internal.testkit.TestKind;
import io.gatehouse.store.internal.H2OperationLog;
import java.io.File;
import java.lang.annotation.Annotation;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.junit.After;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** Replay against the real H2 operation log of bundles/store. */
public class H2ReplayTest {
    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    private final List<AutoCloseable> open = new ArrayList<>();
    private final TestKind mock = new TestKind("mock");

    @After
    public void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private H2OperationLog log(File dir) throws Exception {
        H2OperationLog log = new H2OperationLog();
        log.activate(new H2OperationLog.Config() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return H2OperationLog.Config.class;
            }

            @Override
            public String directory() {
                return dir.getPath();
            }

            @Override
            public String databaseName() {
                return "oplog";
            }

            @Override
            public int maxRejectedEntries() {
                return 100;
            }
        });
        open.add(log::deactivate);
        return log;
    }

    private Fixture core(H2OperationLog log, FakeDataPlane dp, int snapshotEvery) throws Exception {
        Fixture f = new Fixture(log, dp);
        f.service.addKind(mock, 0, 1, "test", "1");
        f.start("/nonexistent.yaml", snapshotEvery);
        open.add(f);
        return f;
    }

    private static Connection jdbc(File dir) throws Exception {
        Properties p = new Properties();
        p.setProperty("user", "gatehouse");
        p.setProperty("password", "");
        return new org.h2.Driver().connect("jdbc:h2:" + new File(dir, "oplog").getPath(), p);
    }

    private static void write(Fixture f) throws Exception {
        f.apply(pipeline("a", "mock", "{status: 200}"));
        f.apply(pipeline("b", "mock", "{status: 201}"));
        f.apply(server("web", 10080, "a"));
        f.apply(server("web", 10080, "b"));
    }

    @Test
    public void replaysFromSnapshotAndLog() throws Exception {
        File dir = tmp.newFolder();
        H2OperationLog log = log(dir);
        Fixture first = core(log, new FakeDataPlane(), 3);
        write(first);
        List<ConfigObject> state = first.service.list(null);
        first.close();
        open.remove(first);
        log.deactivate();

        H2OperationLog reopened = log(dir);
        assertEquals(3, reopened.latestSnapshot().orElseThrow().index());
        FakeDataPlane dp = new FakeDataPlane();
        Fixture second = core(reopened, dp, 3);
        assertEquals(state, second.service.list(null));
        assertEquals(4, second.service.appliedIndex());
        assertEquals(201, dp.on(10080).serve(FakeExchange.get("/")).status());
    }

    @Test
    public void aCorruptEntryIsMovedToRejectedAndNotApplied() throws Exception {
        File dir = tmp.newFolder();
        H2OperationLog log = log(dir);
        Fixture first = core(log, new FakeDataPlane(), 100);
        write(first);
        first.close();
        open.remove(first);
        log.deactivate();
        try (Connection c = jdbc(dir); Statement s = c.createStatement()) {
            assertEquals(1, s.executeUpdate("UPDATE oplog SET name = 'tampered' WHERE idx = 3"));
        }

        H2OperationLog reopened = log(dir);
        FakeDataPlane dp = new FakeDataPlane();
        Fixture second = core(reopened, dp, 100);
        assertEquals(2, second.service.appliedIndex());
        assertEquals(List.of("Pipeline/a", "Pipeline/b"), second.service.list(null).stream().map(ConfigObject::key).toList());
        assertTrue(dp.open().isEmpty());
        assertEquals(2, reopened.lastIndex());
        assertEquals(3, second.apply(server("web", 10081, "a")).get(0).revision());
        second.close();
        open.remove(second);
        reopened.deactivate();
        try (Connection c = jdbc(dir); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT idx FROM oplog_rejected ORDER BY idx")) {
            List<Long> rejected = new ArrayList<>();
            while (rs.next()) {
                rejected.add(rs.getLong(1));
            }
            assertEquals(List.of(3L, 4L), rejected);
        }
    }
}
