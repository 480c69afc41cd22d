package io.gatehouse.cluster.internal;

import com.hazelcast.config.Config;
import com.hazelcast.config.ExecutorConfig;
import com.hazelcast.config.JavaSerializationFilterConfig;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MemberAttributeConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.config.cp.CPSubsystemConfig;
import com.hazelcast.config.cp.RaftAlgorithmConfig;
import io.gatehouse.api.cluster.Role;
import java.util.Locale;

/**
 * Builds the embedded Hazelcast member's configuration programmatically (no XML, nothing read from the
 * classpath or system properties): one Hazelcast cluster per group, observers as lite members, CP subsystem
 * for groups of 3+ voters, bound to one interface, REST/memcache off, Java deserialization filtered, a fast
 * failure detector (docs/cluster.md, STACK.md).
 */
final class HazelcastMembers {
    /** Member attribute: node name. */
    static final String ATTR_NODE = "gatehouse.node";
    /** Member attribute: group. */
    static final String ATTR_GROUP = "gatehouse.group";
    /** Member attribute: role ({@code voter}/{@code observer}). */
    static final String ATTR_ROLE = "gatehouse.role";

    /** Hazelcast's call timeout: caps every operation, and so how long a call to a paused member waits. */
    static final int CALL_TIMEOUT_MILLIS = 2000;

    private HazelcastMembers() {
    }

    /** The configuration of this node's member; {@code classLoader} is the cluster bundle's. */
    static Config config(ClusterSettings s, ClassLoader classLoader) {
        Config c = new Config();
        c.setClusterName(s.hazelcastClusterName());
        c.setInstanceName("gatehouse-" + s.clusterName() + "-" + s.group() + "-" + s.nodeName());
        c.setClassLoader(classLoader);
        c.setLiteMember(s.role() == Role.OBSERVER);

        MemberAttributeConfig attributes = c.getMemberAttributeConfig();
        attributes.setAttribute(ATTR_NODE, s.nodeName());
        attributes.setAttribute(ATTR_GROUP, s.group());
        attributes.setAttribute(ATTR_ROLE, s.role().name().toLowerCase(Locale.ROOT));

        // housekeeping: no phone-home, no JVM shutdown hook (the component shuts the member down), our logging
        c.setProperty("hazelcast.phone.home.enabled", "false");
        c.setProperty("hazelcast.shutdownhook.enabled", "false");
        c.setProperty("hazelcast.shutdownhook.policy", "GRACEFUL");
        c.setProperty("hazelcast.logging.type", "slf4j");
        c.setProperty("hazelcast.jmx", "false");
        c.setProperty("hazelcast.graceful.shutdown.max.wait", "10");
        // failure detection <= 3 s (STACK.md): Hazelcast heartbeats cannot go below 1 s
        c.setProperty("hazelcast.heartbeat.interval.seconds", "1");
        c.setProperty("hazelcast.max.no.heartbeat.seconds", Long.toString(s.deadAfter().toSeconds()));
        c.setProperty("hazelcast.operation.call.timeout.millis", Integer.toString(CALL_TIMEOUT_MILLIS));
        c.setProperty("hazelcast.merge.first.run.delay.seconds", "5");
        c.setProperty("hazelcast.merge.next.run.delay.seconds", "5");
        // join quickly: a lone node must not wait for peers that are not there
        c.setProperty("hazelcast.wait.seconds.before.join", "0");
        c.setProperty("hazelcast.max.wait.seconds.before.join", "2");
        // bind only the configured address
        c.setProperty("hazelcast.socket.bind.any", "false");
        c.setProperty("hazelcast.local.localAddress", s.bindAddress());

        NetworkConfig network = c.getNetworkConfig();
        network.setPort(s.bindPort()).setPortAutoIncrement(true)
                .setPortCount(Math.min(ClusterSettings.PORT_RANGE, 65536 - s.bindPort()));
        network.getInterfaces().setEnabled(true).addInterface(s.bindAddress());
        network.getRestApiConfig().setEnabled(false);
        network.getMemcacheProtocolConfig().setEnabled(false);
        JoinConfig join = network.getJoin();
        join.getAutoDetectionConfig().setEnabled(false);
        join.getMulticastConfig().setEnabled(s.multicast());
        join.getTcpIpConfig().setEnabled(!s.seeds().isEmpty()).setConnectionTimeoutSeconds(2);
        for (String seed : s.seeds()) {
            join.getTcpIpConfig().addMember(seed);
        }

        // deserialization: our envelopes are IdentifiedDataSerializable; Java serialization only for the
        // classes Hazelcast itself needs (its defaults: com.hazelcast.*, java*) and ours
        c.getSerializationConfig().addDataSerializableFactory(Envelope.FACTORY_ID, new Envelope.Factory());
        JavaSerializationFilterConfig filter = new JavaSerializationFilterConfig().setDefaultsDisabled(false);
        filter.getWhitelist().addPrefixes("io.gatehouse.");
        c.getSerializationConfig().setJavaSerializationFilterConfig(filter);

        c.addExecutorConfig(new ExecutorConfig(ExecutorMessaging.EXECUTOR)
                .setPoolSize(ExecutorMessaging.EXECUTOR_THREADS)
                .setQueueCapacity(ExecutorMessaging.EXECUTOR_QUEUE)
                .setStatisticsEnabled(false));

        CPSubsystemConfig cp = c.getCPSubsystemConfig();
        if (s.usesCp()) {
            cp.setCPMemberCount(s.voters().size());
            cp.setGroupSize(Math.min(7, s.voters().size() % 2 == 0 ? s.voters().size() - 1 : s.voters().size()));
            RaftAlgorithmConfig raft = cp.getRaftAlgorithmConfig();
            raft.setLeaderElectionTimeoutInMillis(500);
            raft.setLeaderHeartbeatPeriodInMillis(100);
            cp.setDataLoadTimeoutSeconds(30);
        } else {
            cp.setCPMemberCount(0);
        }
        return c;
    }
}
