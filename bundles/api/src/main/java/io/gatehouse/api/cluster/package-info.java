/**
 * The cluster seam: the {@link io.gatehouse.api.cluster.Consensus} service that orders and commits
 * operation-log entries for a group, and the status of the cluster as one node sees it.
 *
 * <p>1.1: {@link io.gatehouse.api.cluster.GroupAuthenticator}, which checks writes forwarded from another
 * group.
 */
@Version("1.2.0")
package io.gatehouse.api.cluster;

import org.osgi.annotation.versioning.Version;
