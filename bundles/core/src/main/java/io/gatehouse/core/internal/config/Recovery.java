package io.gatehouse.core.internal.config;

import io.gatehouse.api.config.ConfigObject;
import io.gatehouse.api.log.LogCorruption;
import io.gatehouse.api.log.LogEntry;
import io.gatehouse.api.log.Operation;
import io.gatehouse.api.log.OperationLog;
import io.gatehouse.api.log.ReadResult;
import io.gatehouse.api.log.Snapshot;
import java.io.IOException;
import java.util.Optional;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rebuilds the object state from the operation log: the latest intact snapshot, then the entries after it
 * in pages. The first corrupt, unreadable or out-of-sequence entry stops the replay; it and everything after
 * it are truncated (the store keeps them in {@code oplog_rejected}) and never applied.
 */
final class Recovery {
    private static final Logger LOG = LoggerFactory.getLogger(Recovery.class);
    static final int PAGE = 256;

    /**
     * What the log held.
     *
     * @param objects       the state at {@code index}
     * @param index         index of the last applied entry (or of the snapshot)
     * @param snapshotIndex index of the snapshot replay started from (0 if none)
     * @param fresh         true when the log held nothing at all (no snapshot, no entry)
     */
    record Result(TreeMap<ObjectKey, ConfigObject> objects, long index, long snapshotIndex, boolean fresh) {
    }

    private final OperationLog log;
    private final ConfigCodec codec;

    Recovery(OperationLog log, ConfigCodec codec) {
        this.log = log;
        this.codec = codec;
    }

    Result run() throws IOException {
        Optional<Snapshot> snapshot = log.latestSnapshot();
        boolean fresh = snapshot.isEmpty() && log.lastIndex() == 0;
        TreeMap<ObjectKey, ConfigObject> objects = new TreeMap<>();
        long index = 0;
        long snapshotIndex = 0;
        if (snapshot.isPresent()) {
            for (ConfigObject o : codec.decodeState(snapshot.get().state())) {
                objects.put(new ObjectKey(o.kind(), o.name()), o);
            }
            index = snapshot.get().index();
            snapshotIndex = index;
            LOG.info("Restored {} objects from the snapshot at index {}", objects.size(), index);
        }
        int replayed = 0;
        while (true) {
            ReadResult page = log.read(index + 1, PAGE);
            LogCorruption corruption = null;
            for (LogEntry e : page.entries()) {
                if (e.index() != index + 1) {
                    corruption = new LogCorruption(index + 1, "gap: expected index " + (index + 1) + ", found " + e.index());
                    break;
                }
                try {
                    replay(objects, e);
                } catch (IOException ex) {
                    corruption = new LogCorruption(e.index(), "unreadable payload: " + ex.getMessage());
                    break;
                }
                index = e.index();
                replayed++;
            }
            if (corruption == null && page.corruption().isPresent()) {
                corruption = page.corruption().get();
            }
            if (corruption != null) {
                LOG.error("Operation log entry {} cannot be trusted ({}): it and every entry after it are moved to "
                        + "oplog_rejected and not applied", corruption.index(), corruption.reason());
                int removed = log.truncateAfter(corruption.index() - 1);
                LOG.error("Rejected {} operation-log entries from index {}; the configuration is as of index {}",
                        removed, corruption.index(), index);
                break;
            }
            if (page.entries().isEmpty()) {
                break;
            }
        }
        LOG.info("Replayed {} operation-log entries; configuration is at index {} ({} objects)", replayed, index,
                objects.size());
        return new Result(objects, index, snapshotIndex, fresh);
    }

    private void replay(TreeMap<ObjectKey, ConfigObject> objects, LogEntry e) throws IOException {
        ObjectKey key = new ObjectKey(e.kind(), e.name());
        if (e.operation() == Operation.DELETE) {
            objects.remove(key);
            return;
        }
        ConfigObject o = codec.decode(e.payload(), e.index());
        if (!o.kind().equals(e.kind()) || !o.name().equals(e.name())) {
            throw new IOException("payload names " + o.key() + " but the entry names " + key);
        }
        objects.put(key, o);
    }
}
