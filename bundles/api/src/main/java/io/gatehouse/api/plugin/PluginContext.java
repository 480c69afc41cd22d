package io.gatehouse.api.plugin;

import org.osgi.annotation.versioning.ProviderType;

/** Where a plugin instance lives: passed to {@link PluginKind#create}. */
@ProviderType
public interface PluginContext {

    /** Name of the pipeline the instance belongs to. */
    String pipeline();

    /** Name of the instance within its pipeline. */
    String plugin();

    /** Generation of the pipeline (increases on every change of the pipeline or of a plugin kind it uses). */
    long generation();
}
