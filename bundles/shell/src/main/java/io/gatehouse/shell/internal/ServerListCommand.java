package io.gatehouse.shell.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.gatehouse.api.config.ConfigObject;
import io.gatehouse.api.config.ConfigService;
import io.gatehouse.api.config.ObjectStatus;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;

/** {@code gatehouse:server-list}: the HTTPServers, where each listens and whether it serves. */
@Command(scope = "gatehouse", name = "server-list", description = "Lists the HTTP servers, their addresses and rules")
@Service
public class ServerListCommand implements Action {
    static final String KIND = "HTTPServer";

    @Reference
    ConfigService config;

    @Override
    public Object execute() {
        ShellTable table = new ShellTable();
        table.column("Name");
        table.column("Address");
        table.column("Rules").alignRight();
        table.column("Ready");
        table.column("Reason").maxSize(60);
        for (ConfigObject o : config.list(KIND)) {
            JsonNode spec = o.spec();
            ObjectStatus s = config.status(o.kind(), o.name()).orElse(ObjectStatus.notReady("deleted meanwhile"));
            table.addRow().addContent(o.name(), spec.path("address").asText("127.0.0.1") + ":"
                    + spec.path("port").asText(), spec.path("rules").size(), s.ready() ? "yes" : "no",
                    s.ready() ? "" : s.reason());
        }
        table.print(System.out);
        return null;
    }
}
