package io.gatehouse.cluster.internal.replication;

import io.gatehouse.api.log.LogEntry;
import io.gatehouse.api.log.Snapshot;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The replication messages of docs/cluster.md ("Replication"). Every message carries the sender's epoch: the
 * leader's epoch in a request, the highest epoch the answering node has seen in a reply (so a deposed leader
 * learns it from any answer). {@link MessageCodec} turns them into bytes.
 */
public final class Messages {

    /** Transport message types, one per request kind (the reply travels as the request's answer). */
    public static final String PROBE = "repl.probe";
    public static final String FETCH = "repl.fetch";
    public static final String APPEND = "repl.append";
    public static final String SNAPSHOT = "repl.snapshot";

    private Messages() {
    }

    /** How a node answered a request. */
    public enum Status {
        /** Done. */
        OK,
        /** The request's epoch is older than the highest epoch the node has seen: the sender is deposed. */
        STALE_EPOCH,
        /** The node's entry at {@code prevIndex} is missing or has another epoch: the leader steps back. */
        MISMATCH,
        /** The node's log failed (storage error); the leader retries later. */
        FAILED
    }

    /** Any replication message. */
    public sealed interface Message permits Probe, ProbeReply, Fetch, FetchReply, Append, AppendReply,
            SnapshotInstall, SnapshotReply {
        long epoch();
    }

    /** A new leader's first message to the voters: record {@code epoch} and tell me your log. */
    public record Probe(long epoch) implements Message {
    }

    /** A voter's answer to a probe, after it recorded the probe's epoch. */
    public record ProbeReply(long epoch, Status status, long lastEpoch, long lastIndex, long commitIndex)
            implements Message {
        public ProbeReply {
            Objects.requireNonNull(status, "status");
        }
    }

    /** A new leader asks the most advanced voter for its entries from {@code from} (at most {@code max}). */
    public record Fetch(long epoch, long from, int max) implements Message {
    }

    /**
     * Entries from the requested index; when that index was compacted away, the node's latest snapshot comes
     * first and the entries follow it.
     */
    public record FetchReply(long epoch, Status status, Optional<Snapshot> snapshot, List<LogEntry> entries)
            implements Message {
        public FetchReply {
            Objects.requireNonNull(status, "status");
            snapshot = snapshot == null ? Optional.empty() : snapshot;
            entries = List.copyOf(entries);
        }
    }

    /**
     * Entries after {@code prevIndex} (none: a heartbeat), the leader's commit index, and an optional
     * anti-entropy check: the leader's {@code (epoch, checksum)} of its entry at {@code checkIndex} (0: none).
     */
    public record Append(long epoch, long prevIndex, long prevEpoch, long commitIndex, List<LogEntry> entries,
                         long checkIndex, long checkEpoch, long checkChecksum) implements Message {
        public Append {
            entries = List.copyOf(entries);
        }

        public boolean heartbeat() {
            return entries.isEmpty();
        }
    }

    /**
     * The answer to an append. {@code matchIndex} is the last index known to match the leader's log (valid
     * when OK); {@code repair} asks the leader for a snapshot because a committed entry failed the check.
     */
    public record AppendReply(long epoch, Status status, long matchIndex, long lastIndex, long commitIndex,
                              long appliedIndex, boolean repair) implements Message {
        public AppendReply {
            Objects.requireNonNull(status, "status");
        }
    }

    /** The leader's snapshot, for a node whose next entry the leader compacted away, or to repair damage. */
    public record SnapshotInstall(long epoch, Snapshot snapshot, boolean repair) implements Message {
        public SnapshotInstall {
            Objects.requireNonNull(snapshot, "snapshot");
        }
    }

    /** The answer to a snapshot install. */
    public record SnapshotReply(long epoch, Status status, long lastIndex, long commitIndex, long appliedIndex)
            implements Message {
        public SnapshotReply {
            Objects.requireNonNull(status, "status");
        }
    }
}
