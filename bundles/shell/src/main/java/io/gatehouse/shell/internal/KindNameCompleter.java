package io.gatehouse.shell.internal;

import io.gatehouse.api.config.ConfigService;
import io.gatehouse.api.config.PluginKindInfo;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.completers.StringsCompleter;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;

/** Completes plugin kind names: registered ones, and those installed bundles declare. */
@Service
public class KindNameCompleter implements Completer {
    @Reference
    ConfigService config;

    @Reference
    BundleContext context;

    @Override
    public int complete(Session session, CommandLine commandLine, List<String> candidates) {
        TreeSet<String> kinds = new TreeSet<>();
        config.pluginKinds().stream().map(PluginKindInfo::name).forEach(kinds::add);
        for (Bundle b : context.getBundles()) {
            String header = b.getHeaders().get(PluginBundles.HEADER);
            if (header != null) {
                Arrays.stream(header.split(",")).map(String::trim).filter(s -> !s.isEmpty()).forEach(kinds::add);
            }
        }
        return new StringsCompleter(kinds).complete(session, commandLine, candidates);
    }
}
