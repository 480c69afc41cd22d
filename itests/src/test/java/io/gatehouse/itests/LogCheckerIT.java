package io.gatehouse.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.gatehouse.api.log.Change;
import io.gatehouse.api.log.LogEntry;
import io.gatehouse.api.log.Operation;
import io.gatehouse.store.internal.H2OperationLog;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * {@link LogChecker} can fail: logs written by the store's own {@link H2OperationLog} (the code every node runs)
 * into Karaf-like homes, then read back by the checker from their files, with one fault each. No cluster: a
 * failsafe test only because this module runs no surefire tests.
 */
public class LogCheckerIT {
    private static final Instant STAMP = Instant.parse("2026-01-01T00:00:00Z");
    @Rule
    public final TemporaryFolder tmp = new TemporaryFolder();

    @Test
    public void identicalLogsWithEveryAcknowledgedWriteAtItsRevisionPass() throws Exception {
        Map<String, Path> homes = new LinkedHashMap<>();
        for (String n : List.of("a", "b", "c")) {
            homes.put(n, node(n, 1, List.of("", "k1", "k2", "k3"), 4));
        }
        LogChecker.Result r = LogChecker.checkFiles(homes, List.of(ack("k1", 2), ack("k3", 4)), 4);
        assertTrue(r.violations().toString(), r.ok());
        assertEquals(2, r.acksChecked());
        assertEquals(4, r.logs().get("b").lastIndex());
    }

    @Test
    public void anAcknowledgedWriteMissingOnOneNodeIsReported() throws Exception {
        Map<String, Path> homes = Map.of("a", node("a", 1, List.of("", "k1", "k2"), 3),
                "b", node("b", 1, List.of("", "k1"), 2));
        assertViolation(LogChecker.checkFiles(homes, List.of(ack("k2", 3)), 2),
                "b: acknowledged Ack[requestId=k2");
    }

    @Test
    public void committedEntriesThatDifferBetweenNodesAreReported() throws Exception {
        Map<String, Path> homes = Map.of("a", node("a", 1, List.of("", "k1", "k2"), 3),
                "b", node("b", 1, List.of("", "k1", "other"), 3));
        assertViolation(LogChecker.checkFiles(homes, List.of(), 3), "committed entry 3 differs");
    }

    @Test
    public void anAcknowledgedRevisionHoldingAnotherRequestIsReported() throws Exception {
        Map<String, Path> homes = Map.of("a", node("a", 1, List.of("", "k1", "k2"), 3));
        assertViolation(LogChecker.checkFiles(homes, List.of(ack("k1", 3)), 3), "but entry 3 is 3@1 request 'k2'");
    }

    @Test
    public void aRetriedRequestAnsweredWithItsSecondEntryIsReported() throws Exception {
        Map<String, Path> homes = Map.of("a", node("a", 1, List.of("", "k1", "k1"), 3));
        assertViolation(LogChecker.checkFiles(homes, List.of(ack("k1", 3)), 3), "was already at entry 2");
    }

    @Test
    public void anEntryBelowTheRequiredEpochIsReported() throws Exception {
        Map<String, Path> homes = Map.of("a", node("a", 4, List.of("", "k1"), 2));
        LogChecker.Ack stale = new LogChecker.Ack("k1", "Pipeline", "p-k1", 2, 5, "a");
        assertViolation(LogChecker.checkFiles(homes, List.of(stale), 2), "has epoch 4, below 5");
    }

    @Test
    public void aCommitIndexBelowWhatWasAppliedOrBeyondTheLastEntryIsReported() throws Exception {
        Map<String, Path> homes = Map.of("a", node("a", 1, List.of("", "k1"), 1));
        assertViolation(LogChecker.checkFiles(homes, List.of(), 2), "commit index 1 is below 2");
        LogChecker.NodeLog read = LogChecker.read("a", homes.get("a"));
        LogChecker.NodeLog beyond = new LogChecker.NodeLog("a", 2, 5, read.highestEpoch(), 0, 0, 0,
                new TreeMap<>(read.rows()));
        assertViolation(LogChecker.check(Map.of("a", beyond), List.of(), 0), "commit index 5 is beyond its last index 2");
    }

    @Test
    public void aRowWhoseContentNoLongerMatchesItsChecksumIsReported() throws Exception {
        Path home = node("a", 1, List.of("", "k1", "k2"), 3);
        Properties props = new Properties();
        props.setProperty("user", "gatehouse");
        props.setProperty("password", "");
        try (Connection c = new org.h2.Driver().connect("jdbc:h2:file:" + LogChecker.database(home), props);
             Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE oplog SET request_id = 'forged' WHERE idx = 2");
        }
        assertViolation(LogChecker.checkFiles(Map.of("a", home), List.of(), 3), "a: entry 2: checksum mismatch");
    }

    private static void assertViolation(LogChecker.Result r, String expected) {
        assertTrue("expected a violation containing '" + expected + "': " + r.violations(),
                r.violations().stream().anyMatch(v -> v.contains(expected)));
    }

    private static LogChecker.Ack ack(String key, long revision) {
        return new LogChecker.Ack(key, "Pipeline", "p-" + key, revision, 1, "a");
    }

    /**
     * A node home whose log holds one entry per request id ("" a no-op) at {@code epoch}, committed to
     * {@code commit}. Entries are stamped here and stored with {@code appendEntries}, as replication stores them, so
     * that the same request ids at the same indices make the same entries on every node.
     */
    private Path node(String name, long epoch, List<String> requests, long commit) throws IOException {
        Path home = tmp.newFolder(name).toPath();
        Files.createDirectories(home.resolve("data/gatehouse"));
        List<LogEntry> entries = new ArrayList<>();
        for (String id : requests) {
            List<Change> changes = id.isEmpty() ? List.of() : List.of(new Change(Operation.PUT, "Pipeline", "p-" + id,
                    ("{\"kind\":\"Pipeline\",\"name\":\"p-" + id + "\"}").getBytes(StandardCharsets.UTF_8)));
            entries.add(LogEntry.of(entries.size() + 1, epoch, STAMP, id, changes));
        }
        H2OperationLog log = new H2OperationLog();
        log.activate(config(home.resolve("data/gatehouse").toString()));
        try {
            log.observeEpoch(epoch);
            log.appendEntries(entries);
            log.commitTo(commit);
        } finally {
            log.deactivate();
        }
        return home;
    }

    private static H2OperationLog.Config config(String directory) {
        return (H2OperationLog.Config) Proxy.newProxyInstance(H2OperationLog.Config.class.getClassLoader(),
                new Class<?>[] {H2OperationLog.Config.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "directory" -> directory;
                    case "databaseName" -> "oplog";
                    case "maxRejectedEntries" -> 100;
                    default -> method.getDefaultValue();
                });
    }
}
