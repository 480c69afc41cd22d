package io.gatehouse.shell.internal;

import io.gatehouse.api.config.ConfigService;
import io.gatehouse.api.config.DeleteRequest;
import java.time.Duration;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

/** {@code gatehouse:object-delete}: deletes one object (refused while another object refers to it). */
@Command(scope = "gatehouse", name = "object-delete", description = "Deletes one configuration object")
@Service
public class ObjectDeleteCommand implements Action {
    @Argument(index = 0, name = "kind", required = true, description = "The object's kind (HTTPServer, Pipeline)")
    @Completion(ObjectKindCompleter.class)
    String kind;

    @Argument(index = 1, name = "name", required = true, description = "The object's name")
    @Completion(ObjectNameCompleter.class)
    String name;

    @Reference
    ConfigService config;

    @Override
    public Object execute() throws Exception {
        if (kind.equals(ObjectListCommand.TOKEN_KIND)) {
            throw new IllegalArgumentException("ApiToken objects are deleted with gatehouse:token-revoke <name> or"
                    + " DELETE /api/v1/tokens/<name>");
        }
        Duration timeout = Duration.ofSeconds(10);
        long revision = Outcomes.await(config.submit(new DeleteRequest(null, null, kind, name, timeout)), timeout);
        System.out.println("deleted " + kind + " '" + name + "' (revision " + revision + ")");
        return null;
    }
}
