package io.gatehouse.shell.internal;

import io.gatehouse.api.cluster.ClusterStatus;
import io.gatehouse.api.cluster.Consensus;
import io.gatehouse.api.cluster.MemberStatus;
import java.util.Locale;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;

/**
 * {@code gatehouse:cluster-status}: this node's view of its group (as {@code GET /api/v1/cluster}): the leader
 * and epoch, then each member with its role, state, applied index and lag behind the commit index.
 */
@Command(scope = "gatehouse", name = "cluster-status",
        description = "This node's group: leader, epoch, and each member's role, state, applied index and lag")
@Service
public class ClusterStatusCommand implements Action {
    @Reference(optional = true)
    Consensus consensus;

    @Override
    public Object execute() {
        if (consensus == null) {
            throw new IllegalStateException("the cluster service is not running on this node (bundle gatehouse-cluster)");
        }
        ClusterStatus s = consensus.status();
        System.out.println("cluster " + s.cluster() + ", group " + s.group() + ": this node " + s.node() + " ("
                + s.role().name().toLowerCase(Locale.ROOT) + "), leader " + (s.leader() == null ? "unknown" : s.leader())
                + ", epoch " + s.epoch() + ", commit index " + s.commitIndex()
                + (s.stale() ? ", STALE: " + s.reason() : ""));
        ShellTable table = new ShellTable();
        table.column("Member");
        table.column("Role");
        table.column("State");
        table.column("Address");
        table.column("Applied").alignRight();
        table.column("Lag").alignRight();
        table.column("Last seen ms").alignRight();
        for (MemberStatus m : s.members()) {
            String role = m.name().equals(s.leader()) ? "leader" : m.role().name().toLowerCase(Locale.ROOT);
            long lag = Math.max(0, s.commitIndex() - m.appliedIndex());
            table.addRow().addContent(m.name(), role, m.state().name().toLowerCase(Locale.ROOT),
                    m.address() == null ? "-" : m.address(), m.appliedIndex(), lag, m.lastSeenMillis());
        }
        table.print(System.out);
        return null;
    }
}
