package io.gatehouse.plugin.mock.internal;

import io.gatehouse.api.plugin.PluginKind;
import org.osgi.service.component.annotations.ComponentPropertyType;

/**
 * The {@value PluginKind#NAME_PROPERTY} service property of a kind component (a single-element
 * component property type: its name is derived from the annotation's name).
 */
@ComponentPropertyType
@interface GatehousePluginKind {
    String value();
}
