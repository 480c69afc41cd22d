package io.gatehouse.cluster.internal;

import io.gatehouse.api.cluster.Role;
import io.gatehouse.api.config.Units;
import io.gatehouse.cluster.internal.groups.GroupTls;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The cluster node's settings, validated on construction: an invalid value throws
 * {@link IllegalArgumentException} whose message starts with the configuration key ({@code voters: ...}).
 * The secret is not part of the settings (see {@link ClusterSecret}), so that they can be logged.
 *
 * @param clusterName  the cluster's name
 * @param nodeName     this node's name
 * @param group        this node's group
 * @param role         voter or observer
 * @param voters       the group's voters in configuration order (the first one leads groups of 1–2 voters)
 * @param bindAddress  the IP address Hazelcast binds to
 * @param bindPort     the first port tried (up to {@link #PORT_RANGE} more when taken)
 * @param seeds        {@code host:port} of other members of the group
 * @param multicast    multicast discovery instead of seeds
 * @param secret       the configured secret, or empty
 * @param secretFile   the configured secret file, or empty
 * @param groups       admin addresses of other groups' nodes, by group name ({@code host:port},
 *                     {@code https://host:port})
 * @param tlsTrust     PEM file of the certificates trusted for {@code https://} group addresses; empty: the
 *                     JDK's trust store
 * @param heartbeat    interval of the liveness messages
 * @param suspectAfter silence before a member is suspect
 * @param deadAfter    silence before Hazelcast removes a member (whole seconds)
 * @param leaseRenew   leader's renew interval
 * @param leaseStepDown a leader without a successful renew for this long stops leading
 * @param leaseTakeover a voter that sees the lease unchanged for this long takes over
 * @param writeTimeout default deadline of a write
 * @param cpRestartAfter how long the CP METADATA group may stay unable to answer, every voter present, before
 *                     the Hazelcast master restarts the CP subsystem ({@link CpSubsystemRestart}); zero: never
 */
public record ClusterSettings(String clusterName, String nodeName, String group, Role role, List<String> voters,
                              String bindAddress, int bindPort, List<String> seeds, boolean multicast,
                              String secret, String secretFile, Map<String, List<String>> groups,
                              String tlsTrust, Duration heartbeat, Duration suspectAfter, Duration deadAfter,
                              Duration leaseRenew, Duration leaseStepDown, Duration leaseTakeover,
                              Duration writeTimeout, Duration cpRestartAfter) {

    /** Ports tried after {@code bind.port} when it is taken. */
    public static final int PORT_RANGE = 100;
    /** Prefix of the keys naming other groups' admin addresses. */
    public static final String GROUPS_PREFIX = "groups.";

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
    private static final Pattern CLUSTER_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,62}");
    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9.-]{0,252})?|\\[[0-9A-Fa-f:.]+\\]");

    public ClusterSettings {
        require(clusterName != null && CLUSTER_NAME.matcher(clusterName).matches(), "cluster.name",
                "must be 1–63 letters, digits, '_' or '-', starting with a letter or digit, found '" + clusterName + "'");
        name(nodeName, "node.name");
        name(group, "group");
        Objects.requireNonNull(role, "role");
        voters = List.copyOf(voters);
        require(!voters.isEmpty(), "voters", "at least one voter is required");
        for (String v : voters) {
            name(v, "voters");
        }
        require(new LinkedHashSet<>(voters).size() == voters.size(), "voters", "a voter is named twice: " + voters);
        if (role == Role.VOTER) {
            require(voters.contains(nodeName), "voters", "this node is a voter but '" + nodeName
                    + "' is not among the voters " + voters);
        } else {
            require(!voters.contains(nodeName), "role", "'" + nodeName + "' is named in voters but its role is observer");
        }
        require(bindAddress != null && isIpLiteral(bindAddress), "bind.address",
                "must be an IP address such as 127.0.0.1, found '" + bindAddress + "'");
        require(bindPort >= 1 && bindPort <= 65535, "bind.port", "must be 1..65535, found " + bindPort);
        seeds = List.copyOf(seeds);
        for (String s : seeds) {
            hostPort(s, "seeds");
        }
        require(!(multicast && !seeds.isEmpty()), "multicast.enabled",
                "multicast discovery and seeds exclude each other: set one of them");
        secret = secret == null ? "" : secret;
        secretFile = secretFile == null ? "" : secretFile;
        require(secret.isEmpty() || secretFile.isEmpty(), "secret", "set secret or secret.file, not both");
        require(secret.isEmpty() || secret.length() >= ClusterSecret.MIN_LENGTH, "secret",
                "must be at least " + ClusterSecret.MIN_LENGTH + " characters");
        TreeMap<String, List<String>> g = new TreeMap<>();
        for (Map.Entry<String, List<String>> e : groups.entrySet()) {
            String key = GROUPS_PREFIX + e.getKey();
            name(e.getKey(), key);
            require(!e.getKey().equals(group), key, "names this node's own group");
            require(!e.getValue().isEmpty(), key, "needs at least one host:port");
            for (String a : e.getValue()) {
                require(!a.contains("/") || a.matches("(?i)https?://[^/]+"), key, "'" + a + "' is not host:port,"
                        + " http://host:port or https://host:port");
                hostPort(GroupTls.hostPort(a), key);
            }
            g.put(e.getKey(), List.copyOf(e.getValue()));
        }
        groups = Collections.unmodifiableMap(g);
        tlsTrust = tlsTrust == null ? "" : tlsTrust.trim();
        positive(heartbeat, "heartbeat");
        positive(suspectAfter, "suspectAfter");
        positive(deadAfter, "deadAfter");
        require(suspectAfter.compareTo(heartbeat.multipliedBy(2)) >= 0, "suspectAfter",
                "must be at least twice heartbeat (" + Units.format(heartbeat) + "), found " + Units.format(suspectAfter));
        require(deadAfter.toMillis() % 1000 == 0 && deadAfter.toSeconds() >= 2, "deadAfter",
                "must be whole seconds, at least 2s (Hazelcast counts heartbeats in seconds), found "
                        + Units.format(deadAfter));
        require(deadAfter.compareTo(suspectAfter) > 0, "deadAfter", "must be longer than suspectAfter");
        positive(leaseRenew, "lease.renew");
        require(leaseStepDown.compareTo(leaseRenew.multipliedBy(2)) >= 0, "lease.stepDown",
                "must be at least twice lease.renew (" + Units.format(leaseRenew) + "), found "
                        + Units.format(leaseStepDown));
        require(leaseTakeover.compareTo(leaseStepDown) > 0, "lease.takeover",
                "must be longer than lease.stepDown (" + Units.format(leaseStepDown)
                        + "): a stale leader must stop before another voter takes over");
        positive(writeTimeout, "writeTimeout");
        require(cpRestartAfter != null && !cpRestartAfter.isNegative(), "cp.restartAfter", "must be 0 or positive");
    }

    /**
     * Reads the component's configuration: the typed keys from {@code config}, {@code groups.<name>} from the
     * raw properties.
     */
    public static ClusterSettings from(ClusterNodeComponent.Config c, Map<String, ?> properties) {
        String node = trim(c.node_name());
        Role role = switch (trim(c.role()).toLowerCase(Locale.ROOT)) {
            case "voter" -> Role.VOTER;
            case "observer" -> Role.OBSERVER;
            default -> throw invalid("role", "must be voter or observer, found '" + c.role() + "'");
        };
        List<String> voters = list(c.voters());
        if (voters.isEmpty()) {
            if (role == Role.OBSERVER) {
                throw invalid("voters", "an observer must name its group's voters");
            }
            voters = List.of(node);
        }
        String multicast = trim(c.multicast_enabled()).toLowerCase(Locale.ROOT);
        if (!multicast.equals("true") && !multicast.equals("false")) {
            throw invalid("multicast.enabled", "must be true or false, found '" + c.multicast_enabled() + "'");
        }
        Map<String, List<String>> groups = new TreeMap<>();
        for (Map.Entry<String, ?> e : properties.entrySet()) {
            if (e.getKey().startsWith(GROUPS_PREFIX)) {
                groups.put(e.getKey().substring(GROUPS_PREFIX.length()), list(String.valueOf(e.getValue())));
            }
        }
        return new ClusterSettings(trim(c.cluster_name()), node, trim(c.group()), role, voters,
                trim(c.bind_address()), port(c.bind_port()), list(c.seeds()), Boolean.parseBoolean(multicast),
                c.secret() == null ? "" : c.secret().trim(), trim(c.secret_file()), groups, trust(c.tls_trust()),
                duration(c.heartbeat(), "heartbeat", Duration.ofMillis(10), Duration.ofSeconds(10)),
                duration(c.suspectAfter(), "suspectAfter", Duration.ofMillis(20), Duration.ofMinutes(1)),
                duration(c.deadAfter(), "deadAfter", Duration.ofSeconds(2), Duration.ofMinutes(5)),
                duration(c.lease_renew(), "lease.renew", Duration.ofMillis(10), Duration.ofSeconds(10)),
                duration(c.lease_stepDown(), "lease.stepDown", Duration.ofMillis(20), Duration.ofMinutes(1)),
                duration(c.lease_takeover(), "lease.takeover", Duration.ofMillis(30), Duration.ofMinutes(1)),
                duration(c.writeTimeout(), "writeTimeout", Duration.ofMillis(100), Duration.ofMinutes(10)),
                trim(c.cp_restartAfter()).matches("0+(ms|s|m)?") ? Duration.ZERO
                        : duration(c.cp_restartAfter(), "cp.restartAfter", Duration.ofSeconds(5), Duration.ofHours(1)));
    }

    /** The Hazelcast cluster name of this node's group. */
    public String hazelcastClusterName() {
        return clusterName + "." + group;
    }

    /** True when the group uses the CP subsystem (3 or more voters). */
    public boolean usesCp() {
        return voters.size() >= 3;
    }

    /** The leader of a group without CP subsystem: the first voter named. */
    public String staticLeader() {
        return voters.get(0);
    }

    /** True when no seed and no multicast are configured: a one-node cluster. */
    public boolean standalone() {
        return seeds.isEmpty() && !multicast;
    }

    private static int port(String text) {
        try {
            return Integer.parseInt(trim(text));
        } catch (NumberFormatException e) {
            throw invalid("bind.port", "must be a port number 1..65535, found '" + text + "'");
        }
    }

    private static Duration duration(String text, String key, Duration min, Duration max) {
        try {
            return Units.duration(text, min, max);
        } catch (IllegalArgumentException e) {
            throw invalid(key, e.getMessage());
        }
    }

    private static List<String> list(String text) {
        List<String> out = new ArrayList<>();
        if (text != null) {
            for (String s : text.split(",")) {
                if (!s.isBlank()) {
                    out.add(s.trim());
                }
            }
        }
        return out;
    }

    private static String trim(String s) {
        return s == null ? "" : s.trim();
    }

    /** The trust file, checked now (read and parsed) so that a wrong one refuses the configuration. */
    private static String trust(String file) {
        String t = trim(file);
        if (!t.isEmpty()) {
            try {
                GroupTls.context(t);
            } catch (IllegalArgumentException e) {
                throw invalid("tls.trust", e.getMessage());
            }
        }
        return t;
    }

    private static void name(String n, String key) {
        require(n != null && NAME.matcher(n).matches(), key, "'" + n + "' is not a valid name: 1–63 lower-case "
                + "letters, digits or '-', starting with a letter or digit");
    }

    private static void hostPort(String s, String key) {
        int colon = s.lastIndexOf(':');
        require(colon > 0, key, "'" + s + "' is not host:port");
        String host = s.substring(0, colon);
        require(HOST.matcher(host).matches(), key, "'" + s + "' has an invalid host");
        try {
            int p = Integer.parseInt(s.substring(colon + 1));
            require(p >= 1 && p <= 65535, key, "'" + s + "' has an invalid port");
        } catch (NumberFormatException e) {
            throw invalid(key, "'" + s + "' has an invalid port");
        }
    }

    private static boolean isIpLiteral(String a) {
        var m = IPV4.matcher(a);
        if (m.matches()) {
            for (int i = 1; i <= 4; i++) {
                if (Integer.parseInt(m.group(i)) > 255) {
                    return false;
                }
            }
            return true;
        }
        return a.contains(":") && a.matches("[0-9A-Fa-f:.]+");
    }

    private static void positive(Duration d, String key) {
        require(d != null && !d.isNegative() && !d.isZero(), key, "must be a positive duration");
    }

    private static void require(boolean ok, String key, String message) {
        if (!ok) {
            throw invalid(key, message);
        }
    }

    static IllegalArgumentException invalid(String key, String message) {
        return new IllegalArgumentException(key + ": " + message);
    }
}
