package io.gatehouse.plugin.proxy.internal.lb;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/** The load-balancing policies a pool can name, and how each builds its balancer. */
public enum Policy {
    ROUND_ROBIN("roundRobin"),
    WEIGHTED_ROUND_ROBIN("weightedRoundRobin"),
    RANDOM("random"),
    LEAST_CONNECTIONS("leastConnections"),
    POWER_OF_TWO_CHOICES("powerOfTwoChoices"),
    CONSISTENT_HASH("consistentHash"),
    IP_HASH("ipHash");

    private final String specName;

    Policy(String specName) {
        this.specName = specName;
    }

    /** The name used in specs, such as {@code roundRobin}. */
    public String specName() {
        return specName;
    }

    /** The policy of that spec name, or null. */
    public static Policy byName(String name) {
        for (Policy p : values()) {
            if (p.specName.equals(name)) {
                return p;
            }
        }
        return null;
    }

    /** Every spec name, in declaration order (for messages). */
    public static List<String> specNames() {
        return Arrays.stream(values()).map(Policy::specName).toList();
    }

    /**
     * A balancer of this policy over {@code servers} (at least one).
     *
     * @param keySource    the key of {@link #CONSISTENT_HASH}; ignored by the others
     * @param virtualNodes ring points per unit of weight for {@link #CONSISTENT_HASH}; ignored by the others
     * @param dice         randomness of {@link #RANDOM} and {@link #POWER_OF_TWO_CHOICES}
     */
    public Balancer create(Upstream[] servers, KeySource keySource, int virtualNodes, Dice dice) {
        if (servers.length == 0) {
            throw new IllegalArgumentException("a pool needs at least one server");
        }
        return switch (this) {
            case ROUND_ROBIN -> new RoundRobin(servers);
            case WEIGHTED_ROUND_ROBIN -> new SmoothWeightedRoundRobin(servers);
            case RANDOM -> new WeightedRandom(servers, Objects.requireNonNull(dice, "dice"));
            case LEAST_CONNECTIONS -> new LeastConnections(servers);
            case POWER_OF_TWO_CHOICES -> new PowerOfTwoChoices(servers, Objects.requireNonNull(dice, "dice"));
            case CONSISTENT_HASH -> new ConsistentHash(servers, Objects.requireNonNull(keySource, "keySource"),
                    virtualNodes);
            case IP_HASH -> new IpHash(servers);
        };
    }
}
