package io.gatehouse.shell.internal;

import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleException;

/**
 * {@code gatehouse:plugin-stop}: stops the bundle of a plugin kind (one version of it), found by the kind's
 * name rather than a bundle id. The pipelines that use the kind answer 503 while it is stopped (after the
 * kind's grace).
 */
@Command(scope = "gatehouse", name = "plugin-stop", description = "Stops the bundle of a plugin kind, by kind name")
@Service
public class PluginStopCommand extends PluginBundleCommand {
    @Override
    String act(Bundle bundle) throws BundleException {
        bundle.stop();
        return "stopped";
    }
}
