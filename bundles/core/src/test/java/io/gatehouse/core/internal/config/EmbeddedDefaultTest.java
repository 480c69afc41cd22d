package io.gatehouse.core.internal.config;

import static io.gatehouse.core.internal.config.Fixture.pipeline;
import static org.awaitility.Awaitility.await;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.gatehouse.api.config.ConfigObject;
import io.gatehouse.api.log.LogEntry;
import io.gatehouse.core.internal.testkit.FakeCluster;
import io.gatehouse.core.internal.testkit.FakeDataPlane;
import io.gatehouse.core.internal.testkit.MemoryLog;
import io.gatehouse.core.internal.testkit.TestKind;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.After;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The embedded default is written once, by the leader of a group whose configuration is blank, also when the
 * cluster's Consensus appears after the core started or this node becomes the leader later (its log then holds
 * the new leader's no-op, so it is not empty).
 */
public class EmbeddedDefaultTest {
    private static final Duration DEADLINE = Duration.ofSeconds(10);
    private static final String DEFAULT_ID = "gatehouse-embedded-default";

    @Rule
    public final TemporaryFolder folder = new TemporaryFolder();

    private final List<Fixture> fixtures = new ArrayList<>();

    @After
    public void stopAll() {
        fixtures.forEach(Fixture::close);
    }

    private Fixture core(MemoryLog log) {
        Fixture f = new Fixture(log, new FakeDataPlane());
        f.service.addKind(new TestKind("mock"), 0, 1, "test", "1");
        fixtures.add(f);
        return f;
    }

    private String defaults() throws IOException {
        Path file = folder.getRoot().toPath().resolve("default.yaml");
        Files.writeString(file, pipeline("welcome", "mock", "{status: 200}") + "---\n"
                + pipeline("echo", "mock", "{status: 201}"), StandardCharsets.UTF_8);
        return file.toString();
    }

    private static long entriesOf(MemoryLog log, String requestId) {
        return log.entries().stream().map(LogEntry::requestId).filter(requestId::equals).count();
    }

    @Test
    public void aConsensusBoundAfterStartWritesTheDefaultOnceItsNodeLeads() throws Exception {
        MemoryLog log = new MemoryLog();
        FakeCluster cluster = new FakeCluster();
        FakeCluster.Node node = cluster.node("n1", log);
        Fixture f = core(log).start(Fixture.config(defaults(), 100, "1s", "30s", false, "10s"));
        assertTrue("no cluster service yet: nothing written", f.service.list(null).isEmpty());
        assertEquals(0, log.lastIndex());

        f.service.consensus(node);
        await().atMost(DEADLINE).until(() -> f.service.list(null).size() == 2);
        assertEquals(List.of("echo", "welcome"), f.service.list("Pipeline").stream().map(ConfigObject::name).toList());
        assertEquals(1, entriesOf(log, DEFAULT_ID));
    }

    @Test
    public void aNodeThatBecomesLeaderLaterWithANoOpOnlyLogWritesTheDefaultOnce() throws Exception {
        MemoryLog mine = new MemoryLog();
        MemoryLog other = new MemoryLog();
        FakeCluster cluster = new FakeCluster();
        cluster.node("n2", other);
        FakeCluster.Node n1 = cluster.node("n1", mine);
        cluster.lead(null);
        Fixture f = core(mine);
        f.service.consensus(n1);
        f.start(Fixture.config(defaults(), 100, "1s", "30s", false, "10s"));
        // a follower (no leader known yet) never writes it
        await().during(Duration.ofMillis(4 * CoreConfigService.DEFAULTS_CHECK.toMillis())).atMost(DEADLINE)
                .until(() -> f.service.list(null).isEmpty() && mine.lastIndex() == 0);

        cluster.lead("n1");
        assertEquals("the takeover's no-op", 1, mine.commitIndex());
        await().atMost(DEADLINE).until(() -> f.service.list(null).size() == 2);
        assertEquals(1, entriesOf(mine, DEFAULT_ID));
        assertEquals(1, entriesOf(other, DEFAULT_ID));
        long index = mine.lastIndex();

        // a later leadership change finds the configuration written: nothing more
        cluster.lead("n1");
        await().during(Duration.ofMillis(4 * CoreConfigService.DEFAULTS_CHECK.toMillis())).atMost(DEADLINE)
                .until(() -> mine.lastIndex() == index + 1);
        assertEquals(1, entriesOf(mine, DEFAULT_ID));
    }

    @Test
    public void aLeaderWhoseCoreHasNotAppliedTheNoOpYetWaitsForItThenWritesTheDefault() throws Exception {
        MemoryLog log = new MemoryLog();
        FakeCluster cluster = new FakeCluster();
        FakeCluster.Node n1 = cluster.node("n1", log);
        cluster.lead(null);
        Fixture f = core(log);
        f.service.consensus(n1);
        f.service.catchUpCheck = Duration.ofHours(1);
        f.start(Fixture.config(defaults(), 100, "1s", "30s", false, "10s"));
        // the takeover's no-op commits, but the core hears of it late: committed 1, applied 0
        log.removeListener(f.service);
        cluster.lead("n1");
        await().during(Duration.ofMillis(4 * CoreConfigService.DEFAULTS_CHECK.toMillis())).atMost(DEADLINE)
                .until(() -> f.service.appliedIndex() == 0 && log.lastIndex() == 1);

        log.addListener(f.service);
        f.service.committed(log.commitIndex());
        await().atMost(DEADLINE).until(() -> f.service.list(null).size() == 2);
        assertEquals(1, entriesOf(log, DEFAULT_ID));
    }

    @Test
    public void aGroupWhoseConfigurationWasWrittenAndEmptiedAgainGetsNoDefault() throws Exception {
        MemoryLog log = new MemoryLog();
        FakeCluster cluster = new FakeCluster();
        FakeCluster.Node n1 = cluster.node("n1", log);
        Fixture first = core(log);
        first.service.consensus(n1);
        first.start(Fixture.config("none", 100, "1s", "30s", false, "10s"));
        first.apply(pipeline("a", "mock", "{}"));
        first.service.delete("Pipeline", "a");
        first.close();
        fixtures.remove(first);
        long index = log.lastIndex();

        Fixture f = core(log);
        f.service.consensus(n1);
        f.start(Fixture.config(defaults(), 100, "1s", "30s", false, "10s"));
        cluster.lead("n1");
        await().during(Duration.ofMillis(4 * CoreConfigService.DEFAULTS_CHECK.toMillis())).atMost(DEADLINE)
                .until(() -> f.service.list(null).isEmpty() && log.lastIndex() == index + 1);
        assertEquals(0, entriesOf(log, DEFAULT_ID));
    }

    @Test
    public void aFollowerWhoseLeaderWroteTheDefaultDoesNotWriteItAgain() throws Exception {
        MemoryLog leaderLog = new MemoryLog();
        MemoryLog followerLog = new MemoryLog();
        FakeCluster cluster = new FakeCluster();
        FakeCluster.Node n1 = cluster.node("n1", leaderLog);
        FakeCluster.Node n2 = cluster.node("n2", followerLog);
        Fixture leader = core(leaderLog);
        leader.service.consensus(n1);
        n1.gateway(leader.service);
        Fixture follower = core(followerLog);
        follower.service.consensus(n2);
        n2.gateway(follower.service);
        follower.start(Fixture.config(defaults(), 100, "1s", "30s", false, "10s"));
        leader.start(Fixture.config(defaults(), 100, "1s", "30s", false, "10s"));
        await().atMost(DEADLINE).until(() -> follower.service.list(null).size() == 2);
        long index = followerLog.lastIndex();

        cluster.lead("n2");
        await().during(Duration.ofMillis(4 * CoreConfigService.DEFAULTS_CHECK.toMillis())).atMost(DEADLINE)
                .until(() -> followerLog.lastIndex() == index + 1);
        assertEquals(1, entriesOf(followerLog, DEFAULT_ID));
    }
}
