package io.gatehouse.shell.internal;

import io.gatehouse.api.config.ConfigObject;
import io.gatehouse.api.config.ConfigService;
import java.util.List;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;

/** Completes object names: of the kind given before them on the line when there is one, else of every kind. */
@Service
public class ObjectNameCompleter implements Completer {
    @Reference
    ConfigService config;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        String[] args = commandLine.getArguments();
        int at = commandLine.getCursorArgumentIndex();
        String kind = at >= 1 && args.length > at - 1 && config.objectKinds().contains(args[at - 1]) ? args[at - 1]
                : null;
        List<String> names = config.list(kind).stream().filter(o -> !o.kind().equals(ObjectListCommand.TOKEN_KIND))
                .map(ConfigObject::name).distinct().toList();
        return new StringsCompleter(names).complete(session, commandLine, candidates);
    }
}
