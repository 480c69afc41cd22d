package io.gatehouse.store.internal;

import io.gatehouse.api.log.LogListener;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link LogListener} whiteboard of the store: bind and unbind publish an immutable list to a volatile
 * field, and a notification reads only that snapshot. Notifications run on the caller's thread and must be
 * made outside the store's lock (a listener may call back into the log, from any thread); a listener's
 * exception is logged and does not keep the others from being told.
 */
final class LogListeners {

    private static final Logger LOG = LoggerFactory.getLogger(LogListeners.class);

    private final Object bindLock = new Object();
    private volatile List<LogListener> listeners = List.of();

    void add(LogListener listener) {
        synchronized (bindLock) {
            List<LogListener> next = new ArrayList<>(listeners);
            next.add(listener);
            listeners = List.copyOf(next);
        }
    }

    void remove(LogListener listener) {
        synchronized (bindLock) {
            List<LogListener> next = new ArrayList<>(listeners);
            // By identity: the same object registered twice is two bindings.
            for (int i = 0; i < next.size(); i++) {
                if (next.get(i) == listener) {
                    next.remove(i);
                    break;
                }
            }
            listeners = List.copyOf(next);
        }
    }

    void committed(long commitIndex) {
        tell("committed(" + commitIndex + ")", l -> l.committed(commitIndex));
    }

    void snapshotInstalled(long index) {
        tell("snapshotInstalled(" + index + ")", l -> l.snapshotInstalled(index));
    }

    private void tell(String what, Consumer<LogListener> call) {
        for (LogListener l : listeners) {
            try {
                call.accept(l);
            } catch (RuntimeException | Error e) {
                if (e instanceof VirtualMachineError) {
                    throw e;
                }
                LOG.error("Log listener {} failed in {}: {}", l, what, e.toString(), e);
            }
        }
    }
}
