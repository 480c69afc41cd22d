package io.gatehouse.shell.internal;

import io.gatehouse.api.config.ConfigService;
import java.util.List;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;

/** Completes the object kinds the shell manages (tokens excepted). */
@Service
public class ObjectKindCompleter implements Completer {
    @Reference
    ConfigService config;

    static List<String> kinds(ConfigService config) {
        return config.objectKinds().stream().filter(k -> !k.equals(ObjectListCommand.TOKEN_KIND)).toList();
    }

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        return new StringsCompleter(kinds(config)).complete(session, commandLine, candidates);
    }
}
