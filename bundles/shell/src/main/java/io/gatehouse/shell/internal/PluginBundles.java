package io.gatehouse.shell.internal;

import io.gatehouse.api.config.PluginKindInfo;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;

/**
 * Finds the bundles of a plugin kind: those that registered it now (the core's list of kinds), and those that
 * declare it in their {@value #HEADER} manifest header (the way to find a stopped one).
 */
final class PluginBundles {
    static final String HEADER = "Gatehouse-Plugin-Kinds";

    private PluginBundles() {
    }

    /** The bundles of {@code kind} (of {@code version}, when not null), by registration or by header. */
    static List<Bundle> find(BundleContext context, List<PluginKindInfo> registered, String kind, String version) {
        List<Bundle> out = new ArrayList<>();
        for (Bundle b : context.getBundles()) {
            boolean registers = registered.stream().anyMatch(k -> k.name().equals(kind)
                    && k.bundle().equals(b.getSymbolicName()) && k.version().equals(b.getVersion().toString()));
            String header = b.getHeaders().get(HEADER);
            boolean declares = header != null && Arrays.stream(header.split(",")).map(String::trim)
                    .anyMatch(kind::equals);
            if ((registers || declares) && (version == null || version.equals(b.getVersion().toString()))) {
                out.add(b);
            }
        }
        return out;
    }

    /** The one bundle, or a message naming the candidates. */
    static Bundle one(List<Bundle> found, String kind, String version) {
        if (found.isEmpty()) {
            throw new IllegalArgumentException("no bundle registers or declares plugin kind '" + kind + "'"
                    + (version == null ? "" : " version " + version) + " (a bundle without the " + HEADER
                    + " header is found only while it runs: bundle:list, bundle:start <id>)");
        }
        if (found.size() > 1) {
            throw new IllegalArgumentException("plugin kind '" + kind + "' comes in several versions: "
                    + found.stream().map(b -> b.getVersion().toString()).toList() + "; name one");
        }
        return found.get(0);
    }
}
