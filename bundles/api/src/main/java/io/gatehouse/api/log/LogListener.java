package io.gatehouse.api.log;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Told by the {@link OperationLog} when entries become committed or a snapshot replaces the log. Register it
 * as an OSGi service (whiteboard). Called outside the log's locks, on the thread that made the change: an
 * implementation hands the work to its own thread and returns at once.
 */
@ConsumerType
public interface LogListener {

    /** Entries up to {@code commitIndex} are committed and may be applied. */
    void committed(long commitIndex);

    /** The log was replaced by a snapshot at {@code index}: reload the state from it. */
    void snapshotInstalled(long index);
}
