/**
 * The plugin SPI: what a plugin bundle implements ({@link io.gatehouse.api.plugin.PluginKind},
 * {@link io.gatehouse.api.plugin.Plugin}) and what the gateway hands to it
 * ({@link io.gatehouse.api.plugin.Exchange} and its request and response).
 *
 * <h2>Threading</h2>
 * Every exchange is bound to one event-loop thread: the thread of the client connection, which is also
 * the thread of the upstream connections it uses. Plugin code is called on that thread and must never
 * block it. Work that blocks (a JDBC call, a file read, a remote lookup without an asynchronous client)
 * goes through {@link io.gatehouse.api.plugin.Exchange#offload(java.util.concurrent.Callable)}, which runs
 * it on a bounded executor and delivers the result back on the exchange's thread.
 *
 * <h2>Version 2</h2>
 * Several upstream attempts per exchange ({@link io.gatehouse.api.plugin.Attempt}), request body replay,
 * wrapping plugins ({@link io.gatehouse.api.plugin.Completion#proceed()}), plugin timers and state that
 * survives generations and versions ({@link io.gatehouse.api.plugin.PluginContext}). Migration from 1.x:
 * {@code PluginKind.create(spec, context, previous)} became {@code create(spec, context)} with
 * {@code context.previous()}; see docs/plugins/developing.md.
 *
 * <h2>Version 2.1</h2>
 * Bodies: a request or response body read whole within a bound and replaced
 * ({@link io.gatehouse.api.plugin.Exchange#readRequestBody}, {@link io.gatehouse.api.plugin.HttpResponse#readBody}),
 * or transformed as it streams ({@link io.gatehouse.api.plugin.BodyTransform}).
 *
 * <h2>Versioning</h2>
 * Semantic versioning of this package: {@code PluginKind} and {@code Plugin} are consumer types (adding
 * a method without a default is a major change); the exchange types are provider types (the gateway
 * implements them; adding a method is a minor change).
 */
@Version("2.2.0")
package io.gatehouse.api.plugin;

import org.osgi.annotation.versioning.Version;
