/**
 * The operation log: the durable, ordered record of every configuration change. Entries carry an
 * (epoch, index) pair and a checksum, so that a replicated log can later stamp, ship and verify them.
 */
@Version("1.0.0")
package io.gatehouse.api.log;

import org.osgi.annotation.versioning.Version;
