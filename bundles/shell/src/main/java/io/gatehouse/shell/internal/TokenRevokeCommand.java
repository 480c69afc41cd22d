package io.gatehouse.shell.internal;

import io.gatehouse.api.config.ApiTokens;
import io.gatehouse.api.config.ConfigService;
import io.gatehouse.api.config.DeleteRequest;
import java.time.Duration;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

/** {@code gatehouse:token-revoke}: revokes a named admin API token on every node of the group. */
@Command(scope = "gatehouse", name = "token-revoke", description = "Revokes a named admin API token everywhere")
@Service
public class TokenRevokeCommand implements Action {
    @Argument(index = 0, name = "name", required = true, description = "The token's name")
    @Completion(TokenNameCompleter.class)
    String name;

    @Reference
    ConfigService config;

    @Override
    public Object execute() throws Exception {
        if ("bootstrap".equals(name)) {
            throw new IllegalArgumentException("the bootstrap token is the node's own, not the group's: to replace it,"
                    + " stop the node, delete data/gatehouse/admin-token.sha256 and start it again");
        }
        Duration timeout = Duration.ofSeconds(10);
        long revision = Outcomes.await(config.submit(new DeleteRequest(null, null, ApiTokens.KIND, name, timeout)),
                timeout);
        ShellAudit.token("gatehouse:token-revoke", 204, name, null, revision, "deleted");
        System.out.println("revoked token '" + name + "' (revision " + revision + ")");
        return null;
    }
}
