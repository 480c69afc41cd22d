/**
 * Traffic statistics: what the data plane served on this node ({@link io.gatehouse.api.stats.TrafficStats},
 * provided by the core) and the same gathered from the members of the group or the cluster
 * ({@link io.gatehouse.api.stats.ClusterTraffic}, provided by the cluster bundle), with the nodes that did not
 * answer flagged rather than waited for (docs/statistics.md).
 */
@Version("1.2.0")
package io.gatehouse.api.stats;

import org.osgi.annotation.versioning.Version;
