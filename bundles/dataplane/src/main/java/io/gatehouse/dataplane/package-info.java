/**
 * The seam between the core (configuration, routing, pipelines) and the Netty data plane. Exported for
 * the core bundle only: plugins use {@code io.gatehouse.api.plugin} and never this package. Versioned
 * like any exported package, but it is product-internal and may change in any minor release of Gatehouse.
 */
@Version("0.5.0")
package io.gatehouse.dataplane;

import org.osgi.annotation.versioning.Version;
