package io.gatehouse.shell.internal;

import io.gatehouse.api.config.ApiTokens;
import io.gatehouse.api.config.ConfigObject;
import io.gatehouse.api.config.ConfigService;
import io.gatehouse.api.config.ObjectStatus;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;

/** {@code gatehouse:object-list}: the configuration objects of this node, with their status. */
@Command(scope = "gatehouse", name = "object-list", description = "Lists the configuration objects and whether each serves")
@Service
public class ObjectListCommand implements Action {
    static final String TOKEN_KIND = ApiTokens.KIND;

    @Option(name = "-k", aliases = "--kind", description = "Only objects of this kind (HTTPServer, Pipeline)")
    @Completion(ObjectKindCompleter.class)
    String kind;

    @Reference
    ConfigService config;

    @Override
    public Object execute() {
        if (kind != null && (!config.objectKinds().contains(kind) || TOKEN_KIND.equals(kind))) {
            throw new IllegalArgumentException("unknown kind '" + kind + "': use " + ObjectKindCompleter.kinds(config));
        }
        ShellTable table = new ShellTable();
        table.column("Kind");
        table.column("Name");
        table.column("Revision").alignRight();
        table.column("Ready");
        table.column("Reason").maxSize(80);
        for (ConfigObject o : config.list(kind)) {
            if (o.kind().equals(TOKEN_KIND)) {
                continue;
            }
            ObjectStatus s = config.status(o.kind(), o.name()).orElse(ObjectStatus.notReady("deleted meanwhile"));
            table.addRow().addContent(o.kind(), o.name(), o.revision(), s.ready() ? "yes" : "no",
                    s.ready() ? "" : s.reason());
        }
        table.print(System.out);
        return null;
    }
}
