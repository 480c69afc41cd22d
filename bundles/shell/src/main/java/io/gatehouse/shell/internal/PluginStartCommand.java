package io.gatehouse.shell.internal;

import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleException;

/**
 * {@code gatehouse:plugin-start}: starts the bundle of a plugin kind (one version of it), found by the kind's
 * name rather than a bundle id: the bundle that declares the kind in its {@code Gatehouse-Plugin-Kinds} header.
 * The pipelines that use the kind serve again once it registers.
 */
@Command(scope = "gatehouse", name = "plugin-start", description = "Starts the bundle of a plugin kind, by kind name")
@Service
public class PluginStartCommand extends PluginBundleCommand {
    @Override
    String act(Bundle bundle) throws BundleException {
        bundle.start();
        return "started";
    }
}
