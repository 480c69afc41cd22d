package io.gatehouse.cluster.internal;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster node (PID {@value #PID}): validates the configuration (an invalid one fails activation with a
 * message naming the key), then starts this node's embedded Hazelcast member off the SCR thread and registers
 * the {@link ClusterNode} service once it has joined. A member that could not start, or that Hazelcast shut
 * down by itself (a failed CP discovery, a merge it could not do), is started again after a backoff
 * ({@link #RESTART_FIRST} doubling up to {@link #RESTART_MAX}); its service is unregistered meanwhile, so the
 * node serves its last applied state, stale. Deactivation leaves the group gracefully. A change of
 * configuration restarts the member (there is no {@code @Modified}: every key changes the member's identity,
 * its cluster or its network).
 *
 * <p>The member is started again, for as long as the component is active:
 * <ul>
 *   <li>after a failed start: Hazelcast gives up a join for good when the cluster
 *   refuses it for a moment (its state is locked while other members merge after a split), and a node left without
 *   its member would serve a stale configuration until someone restarted it;</li>
 *   <li>when the member asks for it ({@link GroupMember#start}): it merged back into its group's cluster after a
 *   split, or, a voter, its CP member was removed while it ran. The {@link ClusterNode} service is withdrawn, the
 *   member leaves and a new one joins, which a voter promotes to the CP groups again (docs/cluster.md, "Membership
 *   and failure detection").</li>
 * </ul>
 */
@Component(immediate = true, configurationPid = ClusterNodeComponent.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL, service = {})
@Designate(ocd = ClusterNodeComponent.Config.class)
public class ClusterNodeComponent {

    /** Configuration PID. */
    public static final String PID = "io.gatehouse.cluster";

    /** Configuration of the cluster node (docs/cluster.md, "Configuration"). */
    @ObjectClassDefinition(name = "Gatehouse cluster node",
            description = "This node's name, group and role, how it finds its group's members, the cluster secret "
                    + "and the failure-detection and leadership timings. Other groups' admin addresses are "
                    + "set as groups.<name> = host:port,...")
    public @interface Config {
        @AttributeDefinition(name = "Cluster name", description = "The Hazelcast cluster of group g is <cluster.name>.g")
        String cluster_name() default "gatehouse";

        @AttributeDefinition(name = "Node name", description = "Unique in the cluster: [a-z0-9][a-z0-9-]{0,62}")
        String node_name() default "node1";

        @AttributeDefinition(name = "Group", description = "This node's group")
        String group() default "default";

        @AttributeDefinition(name = "Role", description = "voter or observer")
        String role() default "voter";

        @AttributeDefinition(name = "Voters", description = "The group's voters by name, comma-separated, the same on "
                + "every node of the group; empty: this node alone", required = false)
        String voters() default "";

        @AttributeDefinition(name = "Bind address", description = "The IP address Hazelcast binds to (only that one)")
        String bind_address() default "127.0.0.1";

        @AttributeDefinition(name = "Bind port", description = "Hazelcast port; the next free one up to +100 when taken")
        String bind_port() default "5701";

        @AttributeDefinition(name = "Seeds", description = "host:port of other members of the group, comma-separated",
                required = false)
        String seeds() default "";

        @AttributeDefinition(name = "Multicast", description = "Multicast discovery on a LAN instead of seeds")
        String multicast_enabled() default "false";

        @AttributeDefinition(name = "Secret", description = "The cluster secret (at least 16 characters); empty: "
                + "secret.file, else generated into ${karaf.data}/gatehouse/cluster.secret", required = false,
                type = org.osgi.service.metatype.annotations.AttributeType.PASSWORD)
        String secret() default "";

        @AttributeDefinition(name = "Secret file", description = "A file holding the cluster secret", required = false)
        String secret_file() default "";

        @AttributeDefinition(name = "Trust for other groups", description = "PEM file of the certificates trusted "
                + "for other groups' https:// admin addresses (groups.<name>); empty: the JDK's trust store",
                required = false)
        String tls_trust() default "";

        @AttributeDefinition(name = "Heartbeat", description = "Interval of liveness messages between group members")
        String heartbeat() default "200ms";

        @AttributeDefinition(name = "Suspect after", description = "Silence before a member is suspect")
        String suspectAfter() default "600ms";

        @AttributeDefinition(name = "Dead after", description = "Silence before Hazelcast removes a member (whole seconds)")
        String deadAfter() default "5s";

        @AttributeDefinition(name = "Lease renew", description = "How often the leader renews its lease")
        String lease_renew() default "200ms";

        @AttributeDefinition(name = "Lease step-down", description = "A leader without a successful renew for this "
                + "long stops leading")
        String lease_stepDown() default "800ms";

        @AttributeDefinition(name = "Lease takeover", description = "A voter that sees the lease unchanged this long "
                + "takes over (longer than lease.stepDown)")
        String lease_takeover() default "1s";

        @AttributeDefinition(name = "Write timeout", description = "Default deadline of a write")
        String writeTimeout() default "10s";

        @AttributeDefinition(name = "CP restart after", description = "A group whose CP METADATA group has not "
                + "answered for this long while every voter is a member (its majority was lost for good: a majority "
                + "of voters crashed, or their CP discovery failed) has its CP subsystem restarted by the Hazelcast "
                + "master; 0 never (then restart every voter by hand)")
        String cp_restartAfter() default "30s";
    }


    private static final Logger LOG = LoggerFactory.getLogger(ClusterNodeComponent.class);

    /** The first wait before a member that could not start, or that must be replaced, is started again. */
    static final Duration RESTART_FIRST = Duration.ofSeconds(1);
    /** The longest wait between two starts. */
    static final Duration RESTART_MAX = Duration.ofSeconds(30);
    /** A member that ran this long resets the backoff. */
    static final Duration RESTART_RESET = Duration.ofSeconds(60);

    private final ScheduledThreadPoolExecutor starter = new ScheduledThreadPoolExecutor(1, r -> {
        Thread t = new Thread(r, "gatehouse-cluster-start");
        t.setDaemon(true);
        return t;
    });
    private final MemberStarter members;
    private final Duration startRetry;
    private volatile boolean active;
    private GroupMember member;
    private ServiceRegistration<ClusterNode> registration;
    // set by activate, read on the starter thread
    private BundleContext context;
    private ClusterSettings settings;
    private ClusterSecret secret;
    // starter thread only
    private int failedStarts;
    private Duration backoff;
    private long startedNanos;

    /** Starts a member: {@link GroupMember#start}, or a stand-in in tests. */
    interface MemberStarter {
        GroupMember start(ClusterSettings s, ClusterSecret secret, ClassLoader loader, Runnable restart);
    }

    /** Used by DS. */
    public ClusterNodeComponent() {
        this(GroupMember::start, RESTART_FIRST);
    }

    /** For tests: how members are started, and the first wait before a member is started again. */
    ClusterNodeComponent(MemberStarter members, Duration startRetry) {
        this.members = members;
        this.startRetry = startRetry;
        this.backoff = startRetry;
        // a retry that has not started yet is dropped at deactivation
        starter.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    /**
     * Validates the configuration and starts the member in the background.
     *
     * @throws IllegalArgumentException naming the key, when the configuration is invalid
     */
    @Activate
    public void activate(BundleContext context, Config config, Map<String, Object> properties) {
        ClusterSettings settings;
        ClusterSecret secret;
        try {
            settings = ClusterSettings.from(config, properties);
            secret = ClusterSecret.resolve(settings, Path.of(System.getProperty("karaf.data", "data")));
        } catch (IllegalArgumentException e) {
            LOG.error("Invalid cluster configuration ({}): {}", PID, e.getMessage());
            throw e;
        }
        synchronized (this) {
            this.context = context;
            this.settings = settings;
            this.secret = secret;
            active = true;
        }
        starter.execute(this::startMember);
        LOG.info("Cluster node {} of group {} starting ({}, secret from {})", settings.nodeName(), settings.group(),
                settings.role(), secret);
    }

    /** Starts the member and registers the service; on failure, tries again after the backoff. Starter thread. */
    private void startMember() {
        ClusterSettings s;
        synchronized (this) {
            if (!active) {
                return;
            }
            s = settings;
        }
        GroupMember started;
        try {
            AtomicReference<GroupMember> self = new AtomicReference<>();
            started = members.start(s, secret, ClusterNodeComponent.class.getClassLoader(),
                    () -> schedule(() -> restart(self.get()), Duration.ZERO));
            // set before the restart task can run: it runs on this thread, after this method
            self.set(started);
        } catch (RuntimeException e) {
            failedStarts++;
            Duration wait = nextWait();
            if (failedStarts == 1) {
                LOG.error("The cluster node could not start: {}; trying again in {} ms", e.toString(),
                        wait.toMillis(), e);
            } else {
                LOG.warn("The cluster node could not start (attempt {}): {}; trying again in {} ms", failedStarts,
                        e.toString(), wait.toMillis());
            }
            schedule(this::startMember, wait);
            return;
        }
        if (failedStarts > 0) {
            LOG.info("The cluster node started after {} failed attempts", failedStarts);
            failedStarts = 0;
        }
        synchronized (this) {
            if (active) {
                member = started;
                startedNanos = System.nanoTime();
                registration = context.registerService(ClusterNode.class, started, null);
                return;
            }
        }
        started.stop();
    }

    /**
     * The member asked to be replaced (it merged back after a split, lost its CP membership while it ran, or
     * Hazelcast shut it down by itself): withdraw the service, stop the member, start a new one after the
     * backoff (which a member that ran {@link #RESTART_RESET} resets). Starter thread.
     */
    private void restart(GroupMember old) {
        synchronized (this) {
            if (!active || old == null || member != old) {
                return;
            }
            unregister();
            member = null;
            if (System.nanoTime() - startedNanos > RESTART_RESET.toNanos()) {
                backoff = startRetry;
            }
        }
        try {
            old.stop();
        } catch (RuntimeException e) {
            // the new member must start whatever the old one did on its way out
            LOG.warn("Stopping the replaced cluster member failed: {}", e.toString(), e);
        }
        Duration wait = nextWait();
        LOG.warn("Restarting the cluster node {} with a new Hazelcast member in {} ms", settings.nodeName(),
                wait.toMillis());
        schedule(this::startMember, wait);
    }

    /** The wait before the next start: the start retry, doubled each time up to {@link #RESTART_MAX}. */
    private Duration nextWait() {
        Duration wait = backoff;
        Duration doubled = backoff.multipliedBy(2);
        backoff = doubled.compareTo(RESTART_MAX) > 0 ? RESTART_MAX : doubled;
        return wait;
    }

    private void schedule(Runnable task, Duration delay) {
        try {
            starter.schedule(task, delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            LOG.debug("Cluster node start not scheduled: the component is deactivated");
        }
    }

    private void unregister() {
        if (registration != null) {
            try {
                registration.unregister();
            } catch (IllegalStateException e) {
                // already unregistered by the framework (bundle stopping)
            }
            registration = null;
        }
    }

    /** Unregisters the service and leaves the group gracefully. */
    @Deactivate
    public void deactivate() {
        GroupMember m;
        synchronized (this) {
            active = false;
            unregister();
            m = member;
            member = null;
        }
        if (m != null) {
            m.stop();
        }
        starter.shutdown();
        try {
            if (!starter.awaitTermination(30, TimeUnit.SECONDS)) {
                LOG.warn("The cluster node's start did not finish in 30 s");
                starter.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
