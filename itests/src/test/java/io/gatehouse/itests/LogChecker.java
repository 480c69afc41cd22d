package io.gatehouse.itests;

import io.gatehouse.api.log.Change;
import io.gatehouse.api.log.LogEntry;
import io.gatehouse.api.log.Operation;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Checks what the nodes of a group really stored, without trusting their API: it reads each stopped node's H2
 * operation log file ({@code <home>/data/gatehouse/oplog.mv.db}, schema 2: bundles/store {@code Schema},
 * {@code EntryTable}; the changes column as docs/storage.md and the store's {@code ChangeCodec} define it) and
 * checks, reporting every violation at once:
 * <ul>
 *   <li>each node's log: contiguous indices, every row decodes and matches its checksum
 *   ({@link LogEntry#intact()}), epochs never decrease and never exceed the highest epoch recorded, the commit
 *   index is not beyond the last index, and it is at least the index the caller saw applied everywhere;</li>
 *   <li>between nodes: every pair of nodes has the same entries (index, epoch, checksum, request id) up to the
 *   lower of their commit indices;</li>
 *   <li>every acknowledged write ({@link Ack}): on every node its revision is committed, the entry there carries
 *   its request id and a PUT of its object, with an epoch of at least {@link Ack#minEpoch()}, and no earlier
 *   entry carries the same request id (a retried request keeps its first outcome). A revision compacted away
 *   on a node cannot be checked there; one that no node still holds is a violation.</li>
 * </ul>
 *
 * <p>The file is opened read-only ({@code ACCESS_MODE_DATA=r}, which also takes H2's file lock shared, not
 * exclusive), so the check never changes what it reads; the node must be stopped (a running node holds the
 * file locked).
 */
public final class LogChecker {
    /** Where the store keeps its database under a node's Karaf home (etc/io.gatehouse.store.cfg as shipped). */
    public static final String DATABASE = "data/gatehouse/oplog";

    /**
     * A write the API acknowledged (2xx).
     *
     * @param requestId its Idempotency-Key
     * @param kind      the object's kind
     * @param name      the object's name
     * @param revision  the revision the answer gave (the index of the entry that wrote it)
     * @param minEpoch  the lowest epoch its entry may have (1 when anything goes; above a deposed leader's epoch
     *                  for a write sent to that leader after it was deposed)
     * @param via       the node that answered, for messages
     */
    public record Ack(String requestId, String kind, String name, long revision, long minEpoch, String via) {
    }

    /** One stored row, decoded. */
    public record Row(LogEntry entry, String problem) {
        long index() {
            return entry.index();
        }
    }

    /**
     * One node's log as found in its file.
     *
     * @param compactedThrough entries up to this index were removed by compaction (0: none)
     * @param snapshotIndex    the newest snapshot's index (0: none)
     * @param rejected         rows in {@code oplog_rejected} (truncated or quarantined entries)
     */
    public record NodeLog(String node, long schemaVersion, long commitIndex, long highestEpoch, long compactedThrough,
                          long snapshotIndex, long rejected, TreeMap<Long, Row> rows) {
        /** The last index: the last entry, or the snapshot when no entry follows it. */
        public long lastIndex() {
            return Math.max(rows.isEmpty() ? 0 : rows.lastKey(), snapshotIndex);
        }

        public long firstIndex() {
            return rows.isEmpty() ? lastIndex() + 1 : rows.firstKey();
        }

        Optional<LogEntry> entry(long index) {
            Row r = rows.get(index);
            return r == null || r.problem() != null ? Optional.empty() : Optional.of(r.entry());
        }

        String summary() {
            return node + ": entries " + firstIndex() + ".." + lastIndex() + ", commit " + commitIndex
                    + ", highest epoch " + highestEpoch + ", snapshot " + snapshotIndex + ", rejected rows " + rejected;
        }
    }

    /** What a check found: the logs read, the violations, and how many acknowledgements were verified. */
    public record Result(Map<String, NodeLog> logs, List<String> violations, int acksChecked, int ackChecksSkipped) {
        public boolean ok() {
            return violations.isEmpty();
        }

        public String summary() {
            StringBuilder b = new StringBuilder();
            logs.values().forEach(l -> b.append("  ").append(l.summary()).append('\n'));
            b.append("  ").append(acksChecked).append(" acknowledged writes checked on every node");
            if (ackChecksSkipped > 0) {
                b.append(" (").append(ackChecksSkipped).append(" node checks skipped: compacted away)");
            }
            return b.toString();
        }
    }

    private LogChecker() {
    }

    /** The database path (without {@code .mv.db}) of the node whose Karaf home is {@code home}. */
    public static Path database(Path home) {
        return home.resolve(DATABASE);
    }

    /** Reads a stopped node's log read-only. */
    public static NodeLog read(String node, Path home) throws SQLException, IOException {
        Path db = database(home);
        if (!Files.exists(db.resolveSibling(db.getFileName() + ".mv.db"))) {
            throw new IOException(node + ": no operation log at " + db + ".mv.db");
        }
        String url = "jdbc:h2:file:" + db.toAbsolutePath().toString().replace('\\', '/')
                + ";ACCESS_MODE_DATA=r;IFEXISTS=TRUE;DB_CLOSE_ON_EXIT=FALSE";
        Properties props = new Properties();
        props.setProperty("user", "gatehouse");
        props.setProperty("password", "");
        try (Connection c = new org.h2.Driver().connect(url, props)) {
            if (c == null) {
                throw new SQLException("H2 did not accept " + url);
            }
            Map<String, Long> meta = new HashMap<>();
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT name, val FROM gatehouse_meta")) {
                while (rs.next()) {
                    meta.put(rs.getString(1), rs.getLong(2));
                }
            }
            TreeMap<Long, Row> rows = new TreeMap<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT idx, epoch, ts_seconds, ts_nanos, request_id, "
                    + "changes, checksum FROM oplog ORDER BY idx"); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    long idx = rs.getLong(1);
                    rows.put(idx, row(idx, rs));
                }
            }
            long snapshot = single(c, "SELECT COALESCE(MAX(idx), 0) FROM snapshot");
            long rejected = single(c, "SELECT COUNT(*) FROM oplog_rejected");
            return new NodeLog(node, meta.getOrDefault("schema_version", -1L), meta.getOrDefault("commit_index", -1L),
                    meta.getOrDefault("highest_epoch", -1L), meta.getOrDefault("compacted_through", 0L), snapshot,
                    rejected, rows);
        }
    }

    private static long single(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static Row row(long idx, ResultSet rs) throws SQLException {
        long epoch = rs.getLong(2);
        Instant ts;
        String requestId = rs.getString(5);
        byte[] changes = rs.getBytes(6);
        long checksum = rs.getLong(7);
        List<Change> decoded = List.of();
        String problem = null;
        try {
            ts = Instant.ofEpochSecond(rs.getLong(3), rs.getInt(4));
            decoded = decodeChanges(changes);
        } catch (IOException | RuntimeException e) {
            ts = Instant.EPOCH;
            problem = "unreadable row: " + e.getMessage();
        }
        LogEntry entry = new LogEntry(idx, epoch, ts, requestId, decoded, checksum);
        if (problem == null && !entry.intact()) {
            problem = "checksum mismatch";
        }
        return new Row(entry, problem);
    }

    /**
     * The {@code changes} column (docs/storage.md): a format byte (1), an int count, then per change four
     * length-prefixed fields: operation name, kind, name, payload (big-endian ints, UTF-8 text).
     */
    static List<Change> decodeChanges(byte[] encoded) throws IOException {
        if (encoded == null) {
            throw new IOException("changes is null");
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(encoded))) {
            int format = in.readUnsignedByte();
            if (format != 1) {
                throw new IOException("unknown changes format " + format);
            }
            int count = in.readInt();
            if (count < 0 || count > encoded.length / 16) {
                throw new IOException("invalid change count " + count);
            }
            List<Change> out = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                Operation op = Operation.valueOf(new String(field(in), StandardCharsets.UTF_8));
                String kind = new String(field(in), StandardCharsets.UTF_8);
                String name = new String(field(in), StandardCharsets.UTF_8);
                out.add(new Change(op, kind, name, field(in)));
            }
            if (in.available() > 0) {
                throw new IOException(in.available() + " bytes after the last change");
            }
            return out;
        }
    }

    private static byte[] field(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > in.available()) {
            throw new IOException("invalid field length " + length);
        }
        byte[] b = new byte[length];
        in.readFully(b);
        return b;
    }

    /**
     * Checks the logs of stopped nodes.
     *
     * @param homes          node name to Karaf home
     * @param acks           every acknowledged write
     * @param appliedEverywhere an index every node was seen to have applied before it stopped: its commit index
     *                       must be at least that
     */
    public static Result checkFiles(Map<String, Path> homes, Collection<Ack> acks, long appliedEverywhere)
            throws SQLException, IOException {
        Map<String, NodeLog> logs = new LinkedHashMap<>();
        for (Map.Entry<String, Path> e : homes.entrySet()) {
            logs.put(e.getKey(), read(e.getKey(), e.getValue()));
        }
        return check(logs, acks, appliedEverywhere);
    }

    /** Checks logs already read (see the class comment). */
    public static Result check(Map<String, NodeLog> logs, Collection<Ack> acks, long appliedEverywhere) {
        List<String> violations = new ArrayList<>();
        for (NodeLog log : logs.values()) {
            checkOne(log, appliedEverywhere, violations);
        }
        List<NodeLog> list = List.copyOf(logs.values());
        for (int i = 0; i < list.size(); i++) {
            for (int j = i + 1; j < list.size(); j++) {
                comparePrefixes(list.get(i), list.get(j), violations);
            }
        }
        int checked = 0;
        int skipped = 0;
        Map<Long, Ack> byRevision = new HashMap<>();
        for (Ack ack : acks) {
            Ack other = byRevision.putIfAbsent(ack.revision(), ack);
            if (other != null && !other.requestId().equals(ack.requestId())) {
                violations.add("two acknowledged writes share revision " + ack.revision() + ": " + other + " and " + ack);
            }
            int verified = 0;
            for (NodeLog log : list) {
                String problem = checkAck(log, ack);
                if (problem == null) {
                    verified++;
                } else if (problem.isEmpty()) {
                    skipped++;
                } else {
                    violations.add(problem);
                }
            }
            if (verified == 0 && !list.isEmpty()) {
                violations.add("acknowledged " + ack + " could not be checked on any node (compacted everywhere)");
            }
            checked++;
        }
        return new Result(logs, violations, checked, skipped);
    }

    private static void checkOne(NodeLog log, long appliedEverywhere, List<String> violations) {
        String n = log.node();
        if (log.schemaVersion() != 2) {
            violations.add(n + ": schema version " + log.schemaVersion() + ", expected 2");
        }
        if (log.commitIndex() > log.lastIndex()) {
            violations.add(n + ": commit index " + log.commitIndex() + " is beyond its last index " + log.lastIndex());
        }
        if (log.commitIndex() < appliedEverywhere) {
            violations.add(n + ": commit index " + log.commitIndex() + " is below " + appliedEverywhere
                    + ", which its API reported applied before it stopped");
        }
        long expected = log.rows().isEmpty() ? 0 : log.rows().firstKey();
        if (!log.rows().isEmpty() && expected != log.compactedThrough() + 1) {
            violations.add(n + ": entries start at " + expected + " but compaction removed up to "
                    + log.compactedThrough());
        }
        long epoch = 0;
        for (Row r : log.rows().values()) {
            if (r.index() != expected) {
                violations.add(n + ": gap: entry " + expected + " is missing (next stored: " + r.index() + ")");
                expected = r.index();
            }
            expected++;
            if (r.problem() != null) {
                violations.add(n + ": entry " + r.index() + ": " + r.problem());
                continue;
            }
            if (r.entry().epoch() < epoch) {
                violations.add(n + ": entry " + r.index() + " has epoch " + r.entry().epoch()
                        + ", below the previous entry's " + epoch);
            }
            epoch = r.entry().epoch();
            if (epoch > log.highestEpoch()) {
                violations.add(n + ": entry " + r.index() + " has epoch " + epoch + ", above the highest epoch recorded "
                        + log.highestEpoch());
            }
        }
    }

    private static void comparePrefixes(NodeLog a, NodeLog b, List<String> violations) {
        long upTo = Math.min(a.commitIndex(), b.commitIndex());
        long from = Math.max(a.firstIndex(), b.firstIndex());
        int reported = 0;
        for (long i = from; i <= upTo; i++) {
            Optional<LogEntry> x = a.entry(i);
            Optional<LogEntry> y = b.entry(i);
            if (x.isEmpty() || y.isEmpty()) {
                continue; // reported by checkOne (gap or unreadable)
            }
            LogEntry p = x.get();
            LogEntry q = y.get();
            if (p.epoch() != q.epoch() || p.checksum() != q.checksum() || !p.requestId().equals(q.requestId())) {
                if (reported++ < 5) {
                    violations.add("committed entry " + i + " differs: " + a.node() + " has " + describe(p) + ", "
                            + b.node() + " has " + describe(q));
                }
            }
        }
        if (reported > 5) {
            violations.add("... " + (reported - 5) + " more committed entries differ between " + a.node() + " and "
                    + b.node());
        }
    }

    /** Null when verified, empty when it cannot be checked on this node (compacted), else the violation. */
    private static String checkAck(NodeLog log, Ack ack) {
        String n = log.node();
        if (ack.revision() > log.commitIndex()) {
            return n + ": acknowledged " + ack + " is not committed (commit index " + log.commitIndex() + ")";
        }
        if (ack.revision() < log.firstIndex()) {
            return "";
        }
        Optional<LogEntry> at = log.entry(ack.revision());
        if (at.isEmpty()) {
            return n + ": acknowledged " + ack + ": no readable entry at " + ack.revision();
        }
        LogEntry e = at.get();
        boolean writesIt = e.changes().stream().anyMatch(c -> c.operation() == Operation.PUT
                && c.kind().equals(ack.kind()) && c.name().equals(ack.name()));
        if (!e.requestId().equals(ack.requestId()) || !writesIt) {
            return n + ": acknowledged " + ack + " but entry " + ack.revision() + " is " + describe(e);
        }
        if (e.epoch() < ack.minEpoch()) {
            return n + ": acknowledged " + ack + " but its entry has epoch " + e.epoch() + ", below " + ack.minEpoch();
        }
        for (Row r : log.rows().headMap(ack.revision()).values()) {
            if (r.problem() == null && r.entry().requestId().equals(ack.requestId())) {
                return n + ": acknowledged " + ack + " but request " + ack.requestId() + " was already at entry "
                        + r.index() + " (a retried request must keep its first outcome)";
            }
        }
        return null;
    }

    private static String describe(LogEntry e) {
        StringBuilder b = new StringBuilder().append(e.index()).append('@').append(e.epoch()).append(" request '")
                .append(e.requestId()).append("' checksum ").append(Long.toHexString(e.checksum())).append(" [");
        for (Change c : e.changes()) {
            b.append(c.operation()).append(' ').append(c.kind()).append('/').append(c.name()).append(' ');
        }
        return b.append(']').toString();
    }
}
