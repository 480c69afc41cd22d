/**
 * The configuration service: objects ({@code HTTPServer}, {@code Pipeline}, ...) identified by kind and
 * name, validated with JSON paths before anything is applied, written to the operation log, then applied.
 */
@Version("1.7.0")
package io.gatehouse.api.config;

import org.osgi.annotation.versioning.Version;
