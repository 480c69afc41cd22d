/**
 * The cluster seam: the {@link io.gatehouse.api.cluster.Consensus} service that orders and commits
 * operation-log entries for a group, and the status of the cluster as one node sees it.
 */
@Version("1.0.0")
package io.gatehouse.api.cluster;

import org.osgi.annotation.versioning.Version;
