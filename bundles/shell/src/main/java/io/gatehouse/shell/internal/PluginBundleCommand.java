package io.gatehouse.shell.internal;

import io.gatehouse.api.config.ConfigService;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;

/** What {@code plugin-stop} and {@code plugin-start} share: the bundle of a kind, found by its name. */
abstract class PluginBundleCommand implements Action {
    @Argument(index = 0, name = "kind", required = true, description = "The plugin kind, such as proxy")
    @Completion(KindNameCompleter.class)
    String kind;

    @Argument(index = 1, name = "version", description = "The kind's version (its bundle's), when several are installed")
    String version;

    @Reference
    ConfigService config;

    @Reference
    BundleContext context;

    /** Does it to the bundle; answers the verb for the line printed ("stopped"). */
    abstract String act(Bundle bundle) throws BundleException;

    @Override
    public Object execute() throws Exception {
        Bundle b = PluginBundles.one(PluginBundles.find(context, config.pluginKinds(), kind, version), kind, version);
        String done = act(b);
        System.out.println(done + " " + b.getSymbolicName() + " " + b.getVersion() + " (bundle " + b.getBundleId()
                + "), plugin kind " + kind);
        return null;
    }
}
