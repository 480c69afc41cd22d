package io.gatehouse.cluster.internal;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The leadership listeners; a listener that throws is logged and does not stop the others. */
final class Listeners {
    private static final Logger LOG = LoggerFactory.getLogger(Listeners.class);
    private final List<Leadership.Listener> all = new CopyOnWriteArrayList<>();

    void add(Leadership.Listener l) {
        all.add(l);
    }

    void remove(Leadership.Listener l) {
        all.remove(l);
    }

    void fire(Optional<Leadership.Lease> lease, boolean leading) {
        for (Leadership.Listener l : all) {
            try {
                l.leaseChanged(lease, leading);
            } catch (RuntimeException e) {
                LOG.error("Leadership listener {} failed", l, e);
            }
        }
    }
}
