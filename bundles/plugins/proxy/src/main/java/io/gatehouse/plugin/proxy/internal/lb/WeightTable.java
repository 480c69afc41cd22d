package io.gatehouse.plugin.proxy.internal.lb;

import java.util.Arrays;

/** Cumulative weights of a server list: maps a point of {@code [0, total)} to a server index. */
final class WeightTable {
    private final int[] upperBounds;
    private final int total;

    WeightTable(Upstream[] servers) {
        upperBounds = new int[servers.length];
        int sum = 0;
        for (int i = 0; i < servers.length; i++) {
            sum = Math.addExact(sum, servers[i].weight());
            upperBounds[i] = sum;
        }
        total = sum;
    }

    int total() {
        return total;
    }

    /** The index of the server owning {@code point}, {@code 0 <= point < total}. */
    int indexOf(int point) {
        int i = Arrays.binarySearch(upperBounds, point);
        // an exact hit on an upper bound belongs to the next server (bounds are exclusive)
        return i >= 0 ? i + 1 : -i - 1;
    }
}
