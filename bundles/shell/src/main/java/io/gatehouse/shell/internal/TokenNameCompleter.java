package io.gatehouse.shell.internal;

import io.gatehouse.api.config.ApiTokens;
import io.gatehouse.api.config.ConfigObject;
import io.gatehouse.api.config.ConfigService;
import java.util.List;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;

/** Completes the names of the group's admin API tokens. */
@Service
public class TokenNameCompleter implements Completer {
    @Reference
    ConfigService config;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        return new StringsCompleter(config.list(ApiTokens.KIND).stream().map(ConfigObject::name).toList())
                .complete(session, commandLine, candidates);
    }
}
