package io.gatehouse.shell.internal;

import io.gatehouse.api.config.ConfigObject;
import io.gatehouse.api.config.ConfigService;
import io.gatehouse.api.config.ObjectStatus;
import java.util.ArrayList;
import java.util.List;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

/** {@code gatehouse:node-health}: this node's log indexes, objects and plugin kinds, and what does not serve. */
@Command(scope = "gatehouse", name = "node-health",
        description = "This node's applied and commit index, objects, plugin kinds, and the objects not serving")
@Service
public class NodeHealthCommand implements Action {
    @Reference
    ConfigService config;

    @Override
    public Object execute() {
        List<String> notReady = new ArrayList<>();
        int objects = 0;
        for (ConfigObject o : config.list(null)) {
            if (o.kind().equals(ObjectListCommand.TOKEN_KIND)) {
                continue;
            }
            objects++;
            ObjectStatus s = config.status(o.kind(), o.name()).orElse(ObjectStatus.READY);
            if (!s.ready()) {
                notReady.add(o.kind() + " '" + o.name() + "': " + s.reason());
            }
        }
        long commit = config.commitIndex();
        System.out.println((notReady.isEmpty() ? "healthy" : "NOT healthy") + ": applied index "
                + config.appliedIndex() + ", commit index " + (commit < 0 ? "unknown" : commit) + ", " + objects
                + " objects, plugin kinds " + config.pluginKinds().stream().map(k -> k.name() + " " + k.version())
                .distinct().toList());
        notReady.forEach(line -> System.out.println("  not ready: " + line));
        return null;
    }
}
