/**
 * The operation log: the durable, ordered record of every configuration change, one entry per write
 * request. Entries carry an (epoch, index) pair, the request id and a checksum, so that a replicated log
 * can stamp, ship, verify and deduplicate them; the log also keeps the node's commit index and the highest
 * epoch it has seen.
 */
@Version("2.0.0")
package io.gatehouse.api.log;

import org.osgi.annotation.versioning.Version;
