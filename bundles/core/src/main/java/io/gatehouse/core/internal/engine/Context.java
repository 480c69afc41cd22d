package io.gatehouse.core.internal.engine;

import io.gatehouse.api.plugin.PluginContext;

/** The {@link PluginContext} handed to {@code PluginKind.create}. */
record Context(String pipeline, String plugin, long generation) implements PluginContext {
}
