package io.gatehouse.shell.internal;

import io.gatehouse.api.config.ApiTokens;
import io.gatehouse.api.config.ConfigObject;
import io.gatehouse.api.config.ConfigService;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;

/** {@code gatehouse:token-list}: the group's named admin API tokens (names and roles, never a token or hash). */
@Command(scope = "gatehouse", name = "token-list", description = "Lists the group's named admin API tokens")
@Service
public class TokenListCommand implements Action {
    @Reference
    ConfigService config;

    @Override
    public Object execute() {
        ShellTable table = new ShellTable();
        table.column("Name");
        table.column("Role");
        table.column("Created");
        table.column("Revision").alignRight();
        for (ConfigObject o : config.list(ApiTokens.KIND)) {
            table.addRow().addContent(o.name(), o.spec().path("role").asText(), o.spec().path("created").asText(""),
                    o.revision());
        }
        table.print(System.out);
        System.out.println("(each node also has its own bootstrap token, not listed: data/admin.token)");
        return null;
    }
}
