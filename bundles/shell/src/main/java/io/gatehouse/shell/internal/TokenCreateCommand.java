package io.gatehouse.shell.internal;

import io.gatehouse.api.config.ApiTokens;
import io.gatehouse.api.config.ConfigObject;
import io.gatehouse.api.config.ConfigService;
import io.gatehouse.api.config.WriteMode;
import io.gatehouse.api.config.WriteRequest;
import io.gatehouse.api.config.WriteResult;
import java.time.Duration;
import java.util.List;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

/**
 * {@code gatehouse:token-create}: makes a named admin API token for the whole group and prints it once (only its
 * SHA-256 is kept), as {@code POST /api/v1/tokens} does.
 */
@Command(scope = "gatehouse", name = "token-create", description = "Makes a named admin API token (printed once)")
@Service
public class TokenCreateCommand implements Action {
    @Argument(index = 0, name = "name", required = true, description = "The token's name (letters, digits, . _ -)")
    String name;

    @Option(name = "-r", aliases = "--role", description = "read (every GET) or admin (everything); default read")
    String role = "read";

    @Reference
    ConfigService config;

    @Override
    public Object execute() throws Exception {
        String problem = ApiTokens.nameProblem(name);
        if (problem != null) {
            throw new IllegalArgumentException("name: " + problem);
        }
        if (!ApiTokens.ROLES.contains(role)) {
            throw new IllegalArgumentException("--role: read or admin, not '" + role + "'");
        }
        String token = ApiTokens.generate();
        ConfigObject object = ApiTokens.object(name, role, token);
        Duration timeout = Duration.ofSeconds(10);
        List<WriteResult> written = Outcomes.await(config.submit(new WriteRequest(null, null, WriteMode.CREATE,
                List.of(object), timeout)), timeout);
        ShellAudit.token("gatehouse:token-create", 201, name, role, written.get(0).object().revision(), "created");
        System.out.println("token '" + name + "' (" + role + ", revision " + written.get(0).object().revision()
                + "), shown this once:");
        System.out.println(token);
        return null;
    }
}
