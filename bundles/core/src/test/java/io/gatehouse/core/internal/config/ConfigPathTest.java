package io.gatehouse.core.internal.config;

import static io.gatehouse.core.internal.config.Fixture.pipeline;
import static io.gatehouse.core.internal.config.Fixture.server;
import static org.awaitility.Awaitility.await;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.gatehouse.api.cluster.ConsensusException;
import io.gatehouse.api.config.ConfigException;
import io.gatehouse.api.config.ConfigObject;
import io.gatehouse.api.config.DeleteRequest;
import io.gatehouse.api.config.ObjectStatus;
import io.gatehouse.api.config.WriteMode;
import io.gatehouse.api.config.WriteRequest;
import io.gatehouse.api.config.WriteResult;
import io.gatehouse.api.log.Change;
import io.gatehouse.api.log.LogEntry;
import io.gatehouse.api.log.Operation;
import io.gatehouse.core.internal.testkit.FakeCluster;
import io.gatehouse.core.internal.testkit.FakeDataPlane;
import io.gatehouse.core.internal.testkit.FakeExchange;
import io.gatehouse.core.internal.testkit.MemoryLog;
import io.gatehouse.core.internal.testkit.TestKind;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.After;
import org.junit.Test;

/** The configuration path, plan → commit → apply: entries, request ids, deadlines, the cluster seam. */
public class ConfigPathTest {
    private static final Duration TEN_SECONDS = Duration.ofSeconds(10);

    private final List<Fixture> fixtures = new ArrayList<>();
    private final TestKind mock = new TestKind("mock");

    @After
    public void stopAll() {
        fixtures.forEach(Fixture::close);
    }

    private Fixture fixture(MemoryLog log, FakeDataPlane dp) {
        Fixture f = new Fixture(log, dp);
        f.service.addKind(mock, 0, 1, "test", "1");
        fixtures.add(f);
        return f;
    }

    private Fixture standalone(MemoryLog log, int snapshotEvery) throws Exception {
        return fixture(log, new FakeDataPlane()).start("/nonexistent.yaml", snapshotEvery);
    }

    private static CoreConfigService.Config config(boolean standalone, String writeTimeout) {
        return Fixture.config("/nonexistent.yaml", 100, "1s", "30s", standalone, writeTimeout);
    }

    private static WriteRequest request(String id, Fixture f, String yaml, Duration timeout) throws ConfigException {
        return new WriteRequest(id, null, WriteMode.APPLY, f.parse(yaml), timeout);
    }

    private static ConfigException failure(CompletableFuture<?> future) throws Exception {
        try {
            future.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ConfigException ce) {
                return ce;
            }
            throw e;
        }
        fail("expected a refusal");
        return null;
    }

    @Test
    public void aBatchIsOneEntryWithTheRequestIdAndEveryChange() throws Exception {
        MemoryLog log = new MemoryLog();
        Fixture f = standalone(log, 100);
        List<WriteResult> out = f.service.submit(request("batch-1", f, pipeline("a", "mock", "{}") + "---\n"
                + pipeline("b", "mock", "{}") + "---\n" + server("web", 10080, "a"), TEN_SECONDS)).get();
        assertEquals(List.of(1L, 1L, 1L), out.stream().map(r -> r.object().revision()).toList());
        assertEquals(1, log.entries().size());
        LogEntry e = log.entries().get(0);
        assertEquals("batch-1", e.requestId());
        assertEquals(List.of("PUT Pipeline/a", "PUT Pipeline/b", "PUT HTTPServer/web"),
                e.changes().stream().map(Change::toString).toList());
        assertEquals(1, log.commitIndex());
        assertEquals(1, f.service.appliedIndex());

        long deleted = f.service.submit(new DeleteRequest("del-1", null, "Pipeline", "b", TEN_SECONDS)).get();
        assertEquals(2, deleted);
        assertEquals("del-1", log.entries().get(1).requestId());
    }

    @Test
    public void aRequestIdIsAppliedExactlyOnce() throws Exception {
        MemoryLog log = new MemoryLog();
        Fixture f = standalone(log, 100);
        f.apply(pipeline("a", "mock", "{status: 200}"));
        WriteRequest first = request("once", f, pipeline("a", "mock", "{status: 201}") + "---\n"
                + pipeline("b", "mock", "{}"), TEN_SECONDS);
        List<WriteResult> one = f.service.submit(first).get();
        // someone else changes a meanwhile; the retry must not undo that
        f.apply(pipeline("a", "mock", "{status: 202}"));
        List<WriteResult> again = f.service.submit(first).get();
        assertEquals(List.of(WriteResult.Change.UPDATED, WriteResult.Change.CREATED),
                again.stream().map(WriteResult::change).toList());
        assertEquals(one.stream().map(r -> r.object().revision()).toList(),
                again.stream().map(r -> r.object().revision()).toList());
        assertEquals(3, log.entries().size());
        assertEquals(202, f.service.get("Pipeline", "a").orElseThrow().spec().path("plugins").get(0)
                .path("spec").path("status").intValue());

        long del = f.service.submit(new DeleteRequest("del", null, "Pipeline", "b", TEN_SECONDS)).get();
        assertEquals("a repeated delete is answered, not refused with 404", del,
                (long) f.service.submit(new DeleteRequest("del", null, "Pipeline", "b", TEN_SECONDS)).get());
        assertEquals(4, log.entries().size());
    }

    @Test
    public void withoutARequestIdEveryWriteGetsItsOwn() throws Exception {
        MemoryLog log = new MemoryLog();
        Fixture f = standalone(log, 100);
        f.service.submit(request(null, f, pipeline("a", "mock", "{}"), TEN_SECONDS)).get();
        f.service.submit(request("", f, pipeline("a", "mock", "{status: 201}"), TEN_SECONDS)).get();
        assertEquals(2, log.entries().size());
        assertFalse(log.entries().get(0).requestId().isEmpty());
        assertFalse(log.entries().get(0).requestId().equals(log.entries().get(1).requestId()));
    }

    @Test
    public void applyNeverRefusesABusyPortOrAMissingKind() throws Exception {
        MemoryLog log = new MemoryLog();
        FakeDataPlane dp = new FakeDataPlane();
        Fixture f = fixture(log, dp).start("/nonexistent.yaml", 100);
        dp.foreignPorts.add(10080);
        // entries as another leader planned them: this node's planner would refuse both
        List<Change> changes = List.of(
                put(f, pipeline("ghost", "nobody", "{status: 200}")),
                put(f, server("web", 10080, "ghost")));
        LogEntry e = log.append(log.lastEpoch(), "remote", changes);
        log.commitTo(e.index());
        await().atMost(Duration.ofSeconds(5)).until(() -> f.service.appliedIndex() == e.index());

        ObjectStatus ghost = f.service.status("Pipeline", "ghost").orElseThrow();
        assertFalse(ghost.ready());
        assertEquals("plugin kind 'nobody' is not installed", ghost.reason());
        ObjectStatus web = f.service.status("HTTPServer", "web").orElseThrow();
        assertFalse(web.ready());
        assertTrue(web.reason(), web.reason().startsWith("port 127.0.0.1:10080 in use, retrying"));
        assertEquals(2, f.service.list(null).size());
        dp.foreignPorts.clear();
        f.service.addKind(new TestKind("nobody"), 0, 2, "late", "1");
        await().atMost(Duration.ofSeconds(5)).until(() -> dp.on(10080) != null
                && dp.on(10080).serve(FakeExchange.get("/")).status() == 200);
    }

    @Test
    public void snapshotsCarryRequestIdsSoDedupSurvivesARestart() throws Exception {
        MemoryLog log = new MemoryLog();
        Fixture first = standalone(log, 2);
        WriteRequest a = request("req-a", first, pipeline("a", "mock", "{}"), TEN_SECONDS);
        long revision = first.service.submit(a).get().get(0).object().revision();
        first.apply(pipeline("b", "mock", "{}"));
        assertEquals(2, log.latestSnapshot().orElseThrow().index());
        assertTrue("the snapshot compacted the log", log.entries().isEmpty());
        assertTrue(new String(log.latestSnapshot().orElseThrow().state(), StandardCharsets.UTF_8).contains("req-a"));
        first.close();
        fixtures.remove(first);

        Fixture second = standalone(log, 2);
        assertEquals(2, second.service.rememberedRequests());
        List<WriteResult> retried = second.service.submit(a).get();
        assertEquals(revision, retried.get(0).object().revision());
        assertEquals(WriteResult.Change.CREATED, retried.get(0).change());
        assertEquals("nothing appended", 2, log.lastIndex());
    }

    @Test
    public void aWriteThatMissesItsDeadlineIs504AndARetryWithTheSameIdGetsTheLateCommit() throws Exception {
        MemoryLog log = new MemoryLog();
        FakeCluster cluster = new FakeCluster();
        FakeCluster.Node node = cluster.node("n1", log);
        Fixture f = fixture(log, new FakeDataPlane());
        f.service.consensus(node);
        node.gateway(f.service);
        f.start(config(false, "10s"));

        cluster.holdCommits = true;
        WriteRequest slow = request("slow", f, pipeline("a", "mock", "{}"), Duration.ofMillis(200));
        ConfigException timedOut = failure(f.service.submit(slow));
        assertEquals(504, timedOut.status());
        assertEquals(ConfigException.TIMEOUT, timedOut.code());
        assertEquals("not committed within 200ms; the write may still commit: retry with the same Idempotency-Key",
                timedOut.getMessage());
        assertEquals(0, f.service.appliedIndex());

        cluster.holdCommits = false;
        cluster.release();
        await().atMost(Duration.ofSeconds(5)).until(() -> f.service.appliedIndex() == 1);
        List<WriteResult> retried = f.service.submit(new WriteRequest("slow", null, WriteMode.APPLY, slow.objects(),
                TEN_SECONDS)).get();
        assertEquals(1, retried.get(0).object().revision());
        assertEquals(WriteResult.Change.CREATED, retried.get(0).change());
        assertEquals(1, log.entries().size());
        await().atMost(Duration.ofSeconds(5)).until(() -> f.service.pendingTimers() == 0);
    }

    @Test
    public void aLateDuplicateEntryChangesNothing() throws Exception {
        MemoryLog log = new MemoryLog();
        Fixture f = standalone(log, 100);
        f.service.submit(request("dup", f, pipeline("a", "mock", "{}"), TEN_SECONDS)).get();
        f.apply(pipeline("a", "mock", "{status: 202}"));
        // a leader that ordered the retry of a timed-out request as a second entry
        LogEntry e = log.append(log.lastEpoch(), "dup", List.of(put(f, pipeline("a", "mock", "{}"))));
        log.commitTo(e.index());
        await().atMost(Duration.ofSeconds(5)).until(() -> f.service.appliedIndex() == e.index());
        assertEquals(2, f.service.get("Pipeline", "a").orElseThrow().revision());
    }

    @Test
    public void aConsensusFailureIs503WithTheReason() throws Exception {
        MemoryLog log = new MemoryLog();
        FakeCluster cluster = new FakeCluster();
        FakeCluster.Node node = cluster.node("n1", log);
        Fixture f = fixture(log, new FakeDataPlane());
        f.service.consensus(node);
        f.start(config(false, "10s"));
        cluster.failCommits = new ConsensusException(ConsensusException.Reason.NO_MAJORITY, "1 of 3 voters reachable",
                "n1");
        ConfigException e = f.refused(503, pipeline("a", "mock", "{}"));
        assertEquals(ConfigException.UNAVAILABLE, e.code());
        assertTrue(e.getMessage(), e.getMessage().contains("no majority") && e.getMessage().contains("1 of 3"));
        assertTrue(f.service.list(null).isEmpty());

        cluster.failCommits = new ConsensusException(ConsensusException.Reason.TIMEOUT, "slow disks", "n1");
        assertEquals(504, f.refused(504, pipeline("a", "mock", "{}")).status());
        cluster.failCommits = null;
        assertEquals(1, f.apply(pipeline("a", "mock", "{}")).get(0).revision());
    }

    @Test
    public void withoutAClusterServiceAndNotStandaloneWritesAre503() throws Exception {
        MemoryLog log = new MemoryLog();
        Fixture f = fixture(log, new FakeDataPlane()).start(config(false, "10s"));
        ConfigException e = f.refused(503, pipeline("a", "mock", "{}"));
        assertEquals("this node's cluster service is not running; it serves its last applied configuration (index 0)",
                e.getMessage());
        assertEquals(0, log.lastIndex());
    }

    @Test
    public void aFollowerForwardsToTheLeaderAndAnswersOnceItAppliedTheEntry() throws Exception {
        FakeCluster cluster = new FakeCluster();
        MemoryLog leaderLog = new MemoryLog();
        MemoryLog followerLog = new MemoryLog();
        FakeCluster.Node n1 = cluster.node("n1", leaderLog);
        FakeCluster.Node n2 = cluster.node("n2", followerLog);
        FakeDataPlane leaderDp = new FakeDataPlane();
        FakeDataPlane followerDp = new FakeDataPlane();
        Fixture leader = fixture(leaderLog, leaderDp);
        Fixture follower = fixture(followerLog, followerDp);
        leader.service.consensus(n1);
        follower.service.consensus(n2);
        n1.gateway(leader.service);
        n2.gateway(follower.service);
        leader.start(config(false, "10s"));
        follower.start(config(false, "10s"));

        List<WriteResult> out = follower.service.submit(request("fwd-1", follower, pipeline("a", "mock", "{status: 200}")
                + "---\n" + server("web", 10080, "a"), TEN_SECONDS)).get();
        assertEquals(List.of(WriteResult.Change.CREATED, WriteResult.Change.CREATED),
                out.stream().map(WriteResult::change).toList());
        assertEquals("read-your-writes on the node written to", 1, follower.service.appliedIndex());
        assertEquals(out.get(1).object(), follower.service.get("HTTPServer", "web").orElseThrow());
        assertEquals(200, followerDp.on(10080).serve(FakeExchange.get("/")).status());
        await().atMost(Duration.ofSeconds(5)).until(() -> leader.service.appliedIndex() == 1);
        assertEquals(200, leaderDp.on(10080).serve(FakeExchange.get("/")).status());
        assertEquals(leaderLog.entries(), followerLog.entries());

        // the leader's refusals travel back with their paths
        ConfigException refused = follower.refused(400, server("bad", 10081, "missing"));
        Fixture.assertViolation(refused, "$.spec.rules[0].pipeline", "Pipeline 'missing' does not exist");
        // unchanged objects keep the leader's revisions; a retry through the follower is answered once
        List<WriteResult> again = follower.service.submit(request("fwd-2", follower, pipeline("a", "mock",
                "{status: 200}"),
                TEN_SECONDS)).get();
        assertEquals(WriteResult.Change.UNCHANGED, again.get(0).change());
        assertEquals(1, again.get(0).object().revision());
        long deleted = follower.service.submit(new DeleteRequest("fwd-3", null, "HTTPServer", "web", TEN_SECONDS))
                .get();
        assertEquals(2, deleted);
        assertEquals(2, follower.service.appliedIndex());
        assertTrue(followerDp.open().isEmpty());
        assertEquals(2, (long) follower.service.submit(new DeleteRequest("fwd-3", null, "HTTPServer", "web",
                TEN_SECONDS)).get());
        assertEquals(2, leaderLog.lastIndex());

        ConfigException otherGroup = failure(follower.service.submit(new WriteRequest("g", "elsewhere",
                WriteMode.APPLY, follower.parse(pipeline("x", "mock", "{}")), TEN_SECONDS)));
        assertEquals(503, otherGroup.status());
        assertTrue(otherGroup.getMessage(), otherGroup.getMessage().contains("unknown group"));
    }

    @Test
    public void theWriteQueueIsBounded() throws Exception {
        MemoryLog log = new MemoryLog();
        FakeCluster cluster = new FakeCluster();
        FakeCluster.Node node = cluster.node("n1", log);
        Fixture f = fixture(log, new FakeDataPlane());
        f.service.consensus(node);
        f.start(config(false, "10s"));
        cluster.holdCommits = true;
        List<ConfigObject> objects = f.parse(pipeline("a", "mock", "{}"));
        List<CompletableFuture<List<WriteResult>>> waiting = new ArrayList<>();
        for (int i = 0; i < CoreConfigService.MAX_PENDING_WRITES; i++) {
            waiting.add(f.service.submit(new WriteRequest("w" + i, null, WriteMode.APPLY, objects,
                    Duration.ofSeconds(60))));
        }
        // the configuration thread plans the first write and hands it to the cluster asynchronously
        await().atMost(Duration.ofSeconds(10)).until(() -> cluster.heldCommits() >= 1);
        ConfigException full = failure(f.service.submit(new WriteRequest("one-too-many", null, WriteMode.APPLY,
                objects, Duration.ofSeconds(60))));
        assertEquals(503, full.status());
        assertTrue(full.getMessage(), full.getMessage().contains("too many writes are waiting (1000)"));
        assertEquals("one plan at a time: only the first is committing", 1, cluster.heldCommits());

        cluster.holdCommits = false;
        cluster.release();
        for (CompletableFuture<List<WriteResult>> w : waiting) {
            assertEquals(1, w.get(30, TimeUnit.SECONDS).get(0).object().revision());
        }
        assertEquals("the rest were unchanged: nothing more was logged", 1, log.entries().size());
    }

    private static Change put(Fixture f, String yaml) throws ConfigException {
        ConfigObject o = f.parse(yaml).get(0);
        return new Change(Operation.PUT, o.kind(), o.name(), new ConfigCodec(new Json()).encode(o));
    }
}
