package io.gatehouse.core.internal.config;

import io.gatehouse.api.config.ConfigObject;
import io.gatehouse.api.log.Change;
import io.gatehouse.api.log.LogCorruption;
import io.gatehouse.api.log.LogEntry;
import io.gatehouse.api.log.Operation;
import io.gatehouse.api.log.OperationLog;
import io.gatehouse.api.log.ReadResult;
import io.gatehouse.api.log.Snapshot;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The configuration state machine: applies committed log entries, in order, each as one deterministic step
 * (the objects, the request id's outcome, then the running state), and never refuses one. The same code
 * replays the log at boot (the latest snapshot, then the entries up to the persisted commit index: entries
 * above it are not applied), applies what the {@link OperationLog} reports committed (the leader's own
 * writes and a follower's), and reloads the state when a snapshot is installed. Every {@code snapshotEvery}
 * entries it stores a snapshot (objects and request outcomes) and compacts the log.
 *
 * <p>Configuration thread only, except the readers of published state ({@link #objects()},
 * {@link #appliedIndex()}, {@link #outcome}).
 */
final class Applier {
    private static final Logger LOG = LoggerFactory.getLogger(Applier.class);
    static final int PAGE = 256;

    private final OperationLog log;
    private final ConfigCodec codec;
    private final RunningState running;
    private final RequestOutcomes outcomes;
    private final int snapshotEvery;
    private final LongConsumer onApplied;

    private volatile NavigableMap<ObjectKey, ConfigObject> objects = Collections.emptyNavigableMap();
    private volatile long appliedIndex;
    private long appliedEpoch;
    private long snapshotIndex;
    // the index of a committed entry that cannot be read: applying stops before it until a snapshot repairs it
    private long stuckAt;

    /**
     * @param onApplied told the new applied index after every step (on the configuration thread)
     */
    Applier(OperationLog log, ConfigCodec codec, RunningState running, int outcomeCapacity, int snapshotEvery,
            LongConsumer onApplied) {
        this.log = log;
        this.codec = codec;
        this.running = running;
        this.outcomes = new RequestOutcomes(outcomeCapacity);
        this.snapshotEvery = snapshotEvery;
        this.onApplied = onApplied;
    }

    NavigableMap<ObjectKey, ConfigObject> objects() {
        return objects;
    }

    long appliedIndex() {
        return appliedIndex;
    }

    /** The recorded outcome of a request id, or null when it is not (or no longer) remembered. */
    Outcome outcome(String requestId) {
        return outcomes.get(requestId);
    }

    /** The index of a committed entry that cannot be read (applying stops before it), or 0. */
    long stuckAt() {
        return stuckAt;
    }

    /** For tests: how many request outcomes are remembered. */
    int outcomes() {
        return outcomes.size();
    }

    /**
     * Boot replay: the latest snapshot, then the committed entries after it. Entries above the persisted
     * commit index were never acknowledged and are not applied. A corrupt entry stops the replay; when it
     * is not committed it and everything after it are set aside ({@code truncateAfter}), otherwise the node
     * stays at the index before it and says so.
     */
    void boot() throws IOException {
        TreeMap<ObjectKey, ConfigObject> next = new TreeMap<>();
        long index = 0;
        Optional<Snapshot> snapshot = log.latestSnapshot();
        if (snapshot.isPresent()) {
            ConfigCodec.State s = codec.decodeState(snapshot.get().state());
            s.objects().forEach(o -> next.put(new ObjectKey(o.kind(), o.name()), o));
            outcomes.replace(s.requests());
            index = snapshot.get().index();
            appliedEpoch = snapshot.get().epoch();
            snapshotIndex = index;
            LOG.info("Restored {} objects and {} request outcomes from the snapshot at index {}", next.size(),
                    s.requests().size(), index);
        }
        long commit = log.commitIndex();
        long last = log.lastIndex();
        int replayed = 0;
        while (index < commit) {
            ReadResult page = log.read(index + 1, (int) Math.min(PAGE, commit - index));
            LogCorruption corruption = null;
            for (LogEntry e : page.entries()) {
                if (e.index() != index + 1) {
                    corruption = new LogCorruption(index + 1, "gap: expected index " + (index + 1) + ", found "
                            + e.index());
                    break;
                }
                applyState(e, next, new LinkedHashSet<>());
                index = e.index();
                appliedEpoch = e.epoch();
                replayed++;
            }
            if (corruption == null && page.corruption().isPresent()) {
                corruption = page.corruption().get();
            }
            if (corruption == null && page.entries().isEmpty()) {
                corruption = new LogCorruption(index + 1, "missing: the commit index is " + commit);
            }
            if (corruption != null) {
                reject(corruption, index);
                break;
            }
        }
        if (last > commit) {
            LOG.info("{} log entries after the commit index {} were never committed and are not applied",
                    last - commit, commit);
        }
        NavigableMap<ObjectKey, ConfigObject> state = Collections.unmodifiableNavigableMap(next);
        running.reconcile(next.keySet(), state);
        objects = state;
        appliedIndex = index;
        LOG.info("Replayed {} committed log entries; configuration is at index {} ({} objects)", replayed, index,
                next.size());
        maybeSnapshot();
        onApplied.accept(index);
    }

    private void reject(LogCorruption corruption, long appliedUpTo) {
        LOG.error("Operation log entry {} cannot be trusted ({})", corruption.index(), corruption.reason());
        try {
            int removed = log.truncateAfter(corruption.index() - 1);
            LOG.error("Rejected {} operation-log entries from index {} (moved aside, not applied); the configuration "
                    + "is as of index {}", removed, corruption.index(), appliedUpTo);
        } catch (IllegalStateException e) {
            stuckAt = corruption.index();
            LOG.error("Entry {} is committed and cannot be set aside: this node stays at index {} until a snapshot "
                    + "from the leader replaces its log ({})", corruption.index(), appliedUpTo, e.getMessage());
        } catch (IOException | RuntimeException e) {
            stuckAt = corruption.index();
            LOG.error("Setting aside entries from index {} failed; this node stays at index {}", corruption.index(),
                    appliedUpTo, e);
        }
    }

    /**
     * Applies every committed entry after the applied index, one step each. Never throws: a log that cannot
     * be read is reported and the next notification tries again.
     */
    void catchUp() {
        try {
            long commit = log.commitIndex();
            while (appliedIndex < commit && (stuckAt == 0 || appliedIndex + 1 < stuckAt)) {
                ReadResult page = log.read(appliedIndex + 1, (int) Math.min(PAGE, commit - appliedIndex));
                for (LogEntry e : page.entries()) {
                    if (e.index() != appliedIndex + 1) {
                        reject(new LogCorruption(appliedIndex + 1, "gap: found " + e.index()), appliedIndex);
                        return;
                    }
                    apply(e);
                }
                if (page.corruption().isPresent()) {
                    reject(page.corruption().get(), appliedIndex);
                    return;
                }
                if (page.entries().isEmpty()) {
                    LOG.error("Committed entry {} is missing from the log; applying stops at index {}",
                            appliedIndex + 1, appliedIndex);
                    return;
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.error("Reading committed entries after index {} failed; the next commit notification tries again",
                    appliedIndex, e);
        }
    }

    /** One committed entry: objects and outcome, then the running state, then the published index. */
    private void apply(LogEntry e) {
        TreeMap<ObjectKey, ConfigObject> next = new TreeMap<>(objects);
        Set<ObjectKey> touched = new LinkedHashSet<>();
        applyState(e, next, touched);
        NavigableMap<ObjectKey, ConfigObject> state = Collections.unmodifiableNavigableMap(next);
        if (!touched.isEmpty()) {
            running.reconcile(touched, state);
        }
        objects = state;
        appliedIndex = e.index();
        appliedEpoch = e.epoch();
        maybeSnapshot();
        onApplied.accept(e.index());
    }

    /**
     * The deterministic part of a step. An entry whose request id was applied before (a retry the leader
     * ordered twice) changes nothing: the request keeps its first outcome. A change whose payload cannot be
     * read is skipped (every node skips it alike) and reported.
     */
    private void applyState(LogEntry e, TreeMap<ObjectKey, ConfigObject> next, Set<ObjectKey> touched) {
        if (outcomes.get(e.requestId()) != null) {
            LOG.info("Entry {} repeats request {}, applied before; it changes nothing", e.index(), e.requestId());
            return;
        }
        List<Outcome.ObjectOutcome> out = new ArrayList<>();
        for (Change c : e.changes()) {
            ObjectKey key = new ObjectKey(c.kind(), c.name());
            if (c.operation() == Operation.DELETE) {
                next.remove(key);
                out.add(new Outcome.ObjectOutcome(c.kind(), c.name(), Outcome.Effect.DELETED, e.index()));
                touched.add(key);
                continue;
            }
            ConfigObject o;
            try {
                o = codec.decode(c.payload(), e.index());
            } catch (IOException ex) {
                LOG.error("Entry {}: the payload of {} cannot be read ({}); this change is skipped", e.index(), key,
                        ex.getMessage());
                continue;
            }
            if (!o.kind().equals(c.kind()) || !o.name().equals(c.name())) {
                LOG.error("Entry {}: the payload names {} but the change names {}; this change is skipped", e.index(),
                        o.key(), key);
                continue;
            }
            Outcome.Effect effect = next.containsKey(key) ? Outcome.Effect.UPDATED : Outcome.Effect.CREATED;
            next.put(key, o);
            out.add(new Outcome.ObjectOutcome(c.kind(), c.name(), effect, e.index()));
            touched.add(key);
        }
        outcomes.record(e.requestId(), new Outcome(e.index(), out));
    }

    /**
     * A snapshot replaced the log (this node was too far behind): its objects and outcomes become the
     * applied state, the running state follows what differs, then committed entries after it are applied.
     */
    void snapshotInstalled() {
        Snapshot snapshot;
        ConfigCodec.State s;
        try {
            Optional<Snapshot> latest = log.latestSnapshot();
            if (latest.isEmpty()) {
                LOG.error("A snapshot was installed but the log has none; nothing is reloaded");
                return;
            }
            snapshot = latest.get();
            s = codec.decodeState(snapshot.state());
        } catch (IOException | RuntimeException e) {
            LOG.error("The installed snapshot cannot be read; the state stays at index {}", appliedIndex, e);
            return;
        }
        TreeMap<ObjectKey, ConfigObject> next = new TreeMap<>();
        s.objects().forEach(o -> next.put(new ObjectKey(o.kind(), o.name()), o));
        Set<ObjectKey> touched = new TreeSet<>();
        for (ObjectKey k : objects.keySet()) {
            if (!next.containsKey(k)) {
                touched.add(k);
            }
        }
        next.forEach((k, o) -> {
            ConfigObject cur = objects.get(k);
            if (cur == null || !SpecEquality.same(cur.spec(), o.spec())) {
                touched.add(k);
            }
        });
        outcomes.replace(s.requests());
        NavigableMap<ObjectKey, ConfigObject> state = Collections.unmodifiableNavigableMap(next);
        running.reconcile(touched, state);
        objects = state;
        appliedIndex = snapshot.index();
        appliedEpoch = snapshot.epoch();
        snapshotIndex = snapshot.index();
        stuckAt = 0;
        LOG.info("Loaded the installed snapshot at index {} ({} objects, {} changed here)", snapshot.index(),
                next.size(), touched.size());
        onApplied.accept(appliedIndex);
        catchUp();
    }

    private void maybeSnapshot() {
        if (snapshotEvery <= 0 || appliedIndex - snapshotIndex < snapshotEvery) {
            return;
        }
        long index = appliedIndex;
        try {
            log.saveSnapshot(Snapshot.of(index, appliedEpoch, Instant.now(),
                    codec.encodeState(objects.values(), outcomes.entries())));
            snapshotIndex = index;
            int dropped = log.compactUpTo(index);
            LOG.info("Saved a configuration snapshot at index {} and compacted {} log entries", index, dropped);
        } catch (IOException | RuntimeException e) {
            LOG.warn("Saving a configuration snapshot at index {} failed; the log keeps every entry", index, e);
        }
    }
}
