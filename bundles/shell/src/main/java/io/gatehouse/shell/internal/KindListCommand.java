package io.gatehouse.shell.internal;

import io.gatehouse.api.config.ConfigService;
import io.gatehouse.api.config.KindUse;
import io.gatehouse.api.config.PluginKindInfo;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;

/** {@code gatehouse:kind-list}: the plugin kinds registered on this node, each version with who uses it. */
@Command(scope = "gatehouse", name = "kind-list",
        description = "Lists the plugin kinds and versions, and the pipelines using each")
@Service
public class KindListCommand implements Action {
    @Reference
    ConfigService config;

    @Override
    public Object execute() {
        List<KindUse> uses = config.pluginKindUses();
        ShellTable table = new ShellTable();
        table.column("Kind");
        table.column("Version");
        table.column("Bundle");
        table.column("Used by (pipeline/plugin)").maxSize(60);
        table.column("Requests").alignRight();
        for (PluginKindInfo k : config.pluginKinds()) {
            List<KindUse> mine = uses.stream().filter(u -> u.kind().equals(k.name()) && u.version().equals(k.version()))
                    .toList();
            String users = mine.stream().map(u -> u.pipeline() + "/" + u.plugin()
                    + ("canary".equals(u.role()) ? " (canary)" : "")).collect(Collectors.joining(", "));
            long requests = mine.stream().mapToLong(KindUse::requests).sum();
            table.addRow().addContent(k.name(), k.version(), k.bundle(), users.isEmpty() ? "-" : users, requests);
        }
        table.print(System.out);
        return null;
    }
}
