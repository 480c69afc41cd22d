package io.gatehouse.itests;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Who is in a test cluster: groups, each with its voters and observers (node names unique across the
 * cluster), and settings every node's {@code etc/io.gatehouse.cluster.cfg} gets on top of the layout's own
 * (shorter failure detection for a test, for instance). Keys: docs/cluster.md, "Configuration".
 */
public final class ClusterLayout {
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");

    /** A node's place in the layout. */
    public record Member(String name, String group, boolean voter) {
        public String role() {
            return voter ? "voter" : "observer";
        }
    }

    private final Map<String, List<String>> voters = new LinkedHashMap<>();
    private final Map<String, List<String>> observers = new LinkedHashMap<>();
    private final Map<String, String> settings = new LinkedHashMap<>();

    /** One group {@code default} of {@code n} voters, {@code node1..node<n>}. */
    public static ClusterLayout voters(int n) {
        List<String> names = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            names.add("node" + i);
        }
        return new ClusterLayout().group("default", names, List.of());
    }

    /** Adds a group with its voters (in the order the cluster names them) and observers. */
    public ClusterLayout group(String name, List<String> groupVoters, List<String> groupObservers) {
        check(name);
        if (voters.containsKey(name)) {
            throw new IllegalArgumentException("group " + name + " is already in the layout");
        }
        if (groupVoters.isEmpty()) {
            throw new IllegalArgumentException("group " + name + " has no voter");
        }
        List<String> all = new ArrayList<>(groupVoters);
        all.addAll(groupObservers);
        for (String node : all) {
            check(node);
            if (members().stream().anyMatch(m -> m.name().equals(node)) || Collections.frequency(all, node) > 1) {
                throw new IllegalArgumentException("node " + node + " is named twice");
            }
        }
        voters.put(name, List.copyOf(groupVoters));
        observers.put(name, List.copyOf(groupObservers));
        return this;
    }

    /** A setting of {@code io.gatehouse.cluster.cfg} for every node, over the layout's own. */
    public ClusterLayout set(String key, String value) {
        settings.put(Objects.requireNonNull(key), Objects.requireNonNull(value));
        return this;
    }

    /** Every node: groups in the order they were added, voters first. */
    public List<Member> members() {
        List<Member> out = new ArrayList<>();
        for (String group : voters.keySet()) {
            voters.get(group).forEach(n -> out.add(new Member(n, group, true)));
            observers.get(group).forEach(n -> out.add(new Member(n, group, false)));
        }
        return out;
    }

    public List<String> groups() {
        return List.copyOf(voters.keySet());
    }

    public List<String> votersOf(String group) {
        return voters.get(group);
    }

    /** Voters and observers of {@code group}. */
    public List<String> nodesOf(String group) {
        return members().stream().filter(m -> m.group().equals(group)).map(Member::name).toList();
    }

    public Member member(String node) {
        return members().stream().filter(m -> m.name().equals(node)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no node " + node + " in the layout"));
    }

    Map<String, String> settings() {
        return Collections.unmodifiableMap(settings);
    }

    private static void check(String name) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("not a valid node or group name: " + name);
        }
    }
}
