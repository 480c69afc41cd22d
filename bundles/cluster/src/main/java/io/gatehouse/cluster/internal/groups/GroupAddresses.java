package io.gatehouse.cluster.internal.groups;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The admin addresses of another group's nodes ({@code groups.<name>}), in the configured order, and the one
 * to try first: the last one that answered. A write tries {@link #order()}, each address once; an address
 * that fails stops being preferred (the next one in the list is), so the writes after it start elsewhere.
 * Thread-safe: concurrent writes may move the preferred address; each sees a consistent rotation.
 */
final class GroupAddresses {
    private final String group;
    private final List<String> addresses;
    private final AtomicInteger preferred = new AtomicInteger();

    GroupAddresses(String group, List<String> addresses) {
        if (addresses.isEmpty()) {
            throw new IllegalArgumentException("group " + group + " has no address");
        }
        this.group = group;
        this.addresses = List.copyOf(addresses);
    }

    String group() {
        return group;
    }

    /** Every address once, starting at the preferred one and wrapping around the configured order. */
    List<String> order() {
        int start = preferred.get();
        List<String> out = new ArrayList<>(addresses.size());
        for (int i = 0; i < addresses.size(); i++) {
            out.add(addresses.get((start + i) % addresses.size()));
        }
        return out;
    }

    /** {@code address} answered: it is tried first from now on. */
    void answered(String address) {
        int i = addresses.indexOf(address);
        if (i >= 0) {
            preferred.set(i);
        }
    }

    /** {@code address} could not take a write: if it was preferred, the next one in the list is. */
    void failed(String address) {
        int i = addresses.indexOf(address);
        if (i >= 0) {
            preferred.compareAndSet(i, (i + 1) % addresses.size());
        }
    }

    /** The address tried first now. */
    String preferred() {
        return addresses.get(preferred.get());
    }
}
