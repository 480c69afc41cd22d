package io.gatehouse.shell.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.gatehouse.api.config.ConfigObject;
import io.gatehouse.api.config.ConfigService;
import java.util.ArrayList;
import java.util.List;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;

/** {@code gatehouse:route-list}: the rules of every HTTPServer (or one), in the order they are tried. */
@Command(scope = "gatehouse", name = "route-list", description = "Lists the routing rules of the HTTP servers, in order")
@Service
public class RouteListCommand implements Action {
    private static final String[] MATCHES = {"host", "path", "pathPrefix", "pathRegex"};

    @Argument(index = 0, name = "server", description = "Only this HTTPServer's rules")
    @Completion(ServerNameCompleter.class)
    String server;

    @Reference
    ConfigService config;

    @Override
    public Object execute() {
        if (server != null && config.get(ServerListCommand.KIND, server).isEmpty()) {
            throw new IllegalArgumentException("no HTTPServer named '" + server + "'");
        }
        ShellTable table = new ShellTable();
        table.column("Server");
        table.column("#").alignRight();
        table.column("Match").maxSize(70);
        table.column("Pipeline");
        for (ConfigObject o : config.list(ServerListCommand.KIND)) {
            if (server != null && !server.equals(o.name())) {
                continue;
            }
            JsonNode rules = o.spec().path("rules");
            for (int i = 0; i < rules.size(); i++) {
                table.addRow().addContent(o.name(), i, match(rules.get(i)), rules.get(i).path("pipeline").asText());
            }
        }
        table.print(System.out);
        return null;
    }

    /** What a rule matches, such as {@code host=*.example.com pathPrefix=/api methods=GET,HEAD}. */
    static String match(JsonNode rule) {
        List<String> parts = new ArrayList<>();
        for (String field : MATCHES) {
            if (rule.hasNonNull(field)) {
                parts.add(field + "=" + rule.get(field).asText());
            }
        }
        if (rule.path("methods").size() > 0) {
            List<String> methods = new ArrayList<>();
            rule.path("methods").forEach(m -> methods.add(m.asText()));
            parts.add("methods=" + String.join(",", methods));
        }
        rule.path("headers").forEach(h -> parts.add("header " + h.path("name").asText()
                + (h.hasNonNull("regex") ? "~" + h.get("regex").asText() : "=" + h.path("value").asText())));
        return parts.isEmpty() ? "(every request)" : String.join(" ", parts);
    }
}
