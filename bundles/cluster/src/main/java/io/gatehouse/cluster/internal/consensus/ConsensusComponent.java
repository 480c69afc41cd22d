package io.gatehouse.cluster.internal.consensus;

import io.gatehouse.api.cluster.ClusterStatus;
import io.gatehouse.api.cluster.Consensus;
import io.gatehouse.api.cluster.WriteGateway;
import io.gatehouse.api.config.ConfigService;
import io.gatehouse.api.log.Change;
import io.gatehouse.api.log.LogEntry;
import io.gatehouse.api.log.OperationLog;
import io.gatehouse.cluster.internal.ClusterNode;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * Registers {@link Consensus} while this node's {@link ClusterNode} (the joined Hazelcast member) and the
 * {@link OperationLog} (the store) are both present. A component of its own rather than part of
 * {@code ClusterNodeComponent}'s lifecycle: the member takes seconds to join and must outlive a restart of
 * the store bundle (leaving and re-joining the group would move the lease and the CP membership), while the
 * replication core must stop the moment its log goes away; DS's static references give exactly that (either
 * one leaving deactivates this component: the service is unregistered first, then the core and its thread
 * stop). The core's {@link WriteGateway} and {@link ConfigService} come and go dynamically: forwarded writes
 * are refused with STOPPED without a gateway, and without the config service the own applied index falls
 * back to the log's commit index (what the core applies up to, once it catches up).
 */
@Component(immediate = true, service = Consensus.class)
public class ConsensusComponent implements Consensus {
    private final AtomicReference<WriteGateway> gateway = new AtomicReference<>();
    private final AtomicReference<ConfigService> config = new AtomicReference<>();
    private final OperationLog log;
    private final ClusterConsensus consensus;

    @Activate
    public ConsensusComponent(@Reference(name = "node", policyOption = ReferencePolicyOption.GREEDY) ClusterNode node,
                              @Reference(name = "log", policyOption = ReferencePolicyOption.GREEDY) OperationLog log) {
        this.log = log;
        this.consensus = new ClusterConsensus(node, log, gateway::get, this::appliedIndex);
        consensus.start();
    }

    @Deactivate
    public void deactivate() {
        consensus.close();
    }

    private long appliedIndex() {
        ConfigService c = config.get();
        return c != null ? c.appliedIndex() : ClusterConsensus.commitIndexOf(log);
    }

    @Reference(name = "gateway", cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    public void bindGateway(WriteGateway g) {
        gateway.set(g);
    }

    public void unbindGateway(WriteGateway g) {
        gateway.compareAndSet(g, null);
    }

    @Reference(name = "config", cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    public void bindConfig(ConfigService c) {
        config.set(c);
    }

    public void unbindConfig(ConfigService c) {
        config.compareAndSet(c, null);
    }

    /** The running consensus (tests). */
    public ClusterConsensus consensus() {
        return consensus;
    }

    @Override
    public ClusterStatus status() {
        return consensus.status();
    }

    @Override
    public CompletableFuture<LogEntry> commit(String requestId, List<Change> changes, Duration timeout) {
        return consensus.commit(requestId, changes, timeout);
    }

    @Override
    public CompletableFuture<byte[]> forward(String group, byte[] request, Duration timeout) {
        return consensus.forward(group, request, timeout);
    }
}
