package io.gatehouse.api.config;

/**
 * Whether a configuration object is doing what it was written to do, as reported by
 * {@link ConfigService#status(String, String)}. An object can be stored (and logged) yet not ready; the
 * reason says why, for a person reading the admin API.
 *
 * <p>What "ready" means depends on the object's kind:
 * <ul>
 *   <li>{@code Pipeline}: every plugin kind it uses is registered, its plugin specs were accepted by those
 *       kinds, and its plugin instances were created, so requests routed to it run (otherwise they get
 *       503). Not ready, for example, while the bundle of one of its plugin kinds is stopped.</li>
 *   <li>{@code HTTPServer}: its listener is bound to its address and port and serving. Not ready, for
 *       example, when its port was taken by another process when the node replayed its log at start: it
 *       then retries with backoff, and the reason says when ({@code port 127.0.0.1:10081 in use, retrying
 *       in 4s (attempt 3)}).</li>
 * </ul>
 * Other kinds are ready once applied.
 *
 * @param ready  true when the object is serving as configured
 * @param reason why the object is not ready, such as {@code plugin kind 'proxy' is not installed};
 *               null when {@code ready}
 */
public record ObjectStatus(boolean ready, String reason) {
    /** The status of a ready object. */
    public static final ObjectStatus READY = new ObjectStatus(true, null);

    public ObjectStatus {
        if (ready && reason != null) {
            throw new IllegalArgumentException("a ready object has no reason");
        }
        if (!ready && (reason == null || reason.isEmpty())) {
            throw new IllegalArgumentException("an object that is not ready needs a reason");
        }
    }

    /** The status of an object that is not ready, with the reason. */
    public static ObjectStatus notReady(String reason) {
        return new ObjectStatus(false, reason);
    }
}
