package io.gatehouse.core.internal.config;

import static io.gatehouse.core.internal.config.Fixture.assertViolation;
import static io.gatehouse.core.internal.config.Fixture.pipeline;
import static io.gatehouse.core.internal.config.Fixture.server;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.gatehouse.api.config.ConfigException;
import io.gatehouse.api.config.ConfigObject;
import io.gatehouse.api.config.WriteMode;
import io.gatehouse.api.config.WriteRequest;
import io.gatehouse.api.config.WriteResult;
import io.gatehouse.core.internal.testkit.TestKind;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

/** A dry run validates as a write would and tells what it would do, and writes nothing. */
public class DryRunTest {
    private Fixture f;

    @Before
    public void start() throws Exception {
        f = new Fixture();
        f.service.addKind(new TestKind("mock"), 0, 1, "test.bundle", "1.0.0");
        f.start();
        f.apply(pipeline("demo", "mock", "{}"));
    }

    @After
    public void stop() {
        f.close();
    }

    private List<WriteResult> dryRun(List<ConfigObject> objects) throws Exception {
        return f.service.dryRun(new WriteRequest(null, null, WriteMode.APPLY, objects, Duration.ofSeconds(5)))
                .get(10, TimeUnit.SECONDS);
    }

    @Test
    public void tellsWhatWouldChangeAndWritesNothing() throws Exception {
        long index = f.service.appliedIndex();
        List<ConfigObject> objects = f.parse(pipeline("demo", "mock", "{}") + "---\n" + pipeline("shop", "mock", "{}")
                + "---\n" + server("web", 10080, "shop"));
        List<WriteResult> r = dryRun(objects);
        assertEquals(WriteResult.Change.UNCHANGED, r.get(0).change());
        assertEquals(1, r.get(0).object().revision());
        assertEquals(WriteResult.Change.CREATED, r.get(1).change());
        assertEquals(0, r.get(1).object().revision());
        assertEquals(WriteResult.Change.CREATED, r.get(2).change());
        assertEquals("nothing logged", index, f.service.appliedIndex());
        assertTrue(f.service.get("Pipeline", "shop").isEmpty());
        assertTrue("no listener bound", f.dataPlane.on(10080) == null);

        List<WriteResult> update = dryRun(f.parse(pipeline("demo", "mock", "{\"status\": 201}")));
        assertEquals(WriteResult.Change.UPDATED, update.get(0).change());
    }

    @Test
    public void refusesWhatAWriteWouldRefuseWithThePaths() throws Exception {
        List<ConfigObject> objects = f.parse(server("web", 10080, "missing"));
        try {
            dryRun(objects);
            fail("a server routing to a missing pipeline was accepted");
        } catch (ExecutionException e) {
            ConfigException c = (ConfigException) e.getCause();
            assertEquals(400, c.status());
            assertViolation(c, "$.spec.rules[0].pipeline", "does not exist");
        }
        assertEquals(1, f.service.list(null).size());
    }
}
