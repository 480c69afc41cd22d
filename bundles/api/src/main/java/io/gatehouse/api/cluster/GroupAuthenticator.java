package io.gatehouse.api.cluster;

import java.util.Objects;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Checks a request that a node of another group sent to this node's admin API (a write forwarded to this
 * node's group, {@value #FORWARD_PATH}). The sender signs the request with the cluster secret: an
 * HMAC-SHA256 over the method, the path with its query as sent, the body, its timestamp and its node name,
 * carried in the {@value #NODE_HEADER}, {@value #TIMESTAMP_HEADER} and {@value #SIGNATURE_HEADER} headers. The
 * cluster bundle provides this service while its node runs, so that the secret never leaves it.
 *
 * <p>{@link #verify} accepts a request when its signature is right, its timestamp is within the replay window
 * of this node's clock, and the same signature has not been accepted before (each is accepted once).
 * Thread-safe, non-blocking (a MAC and a map lookup).
 *
 * @since 1.1
 */
@ProviderType
public interface GroupAuthenticator {
    /** The admin API path of a write forwarded from another group (POST, {@code ?group=&timeout=}). */
    String FORWARD_PATH = "/api/v1/internal/forward";
    /** Header: the sending node's name. */
    String NODE_HEADER = "X-Gatehouse-Node";
    /** Header: the sender's wall clock when it signed, in milliseconds since the epoch. */
    String TIMESTAMP_HEADER = "X-Gatehouse-Timestamp";
    /** Header: the signature, base64url without padding. */
    String SIGNATURE_HEADER = "X-Gatehouse-Signature";

    /**
     * Checks a signed request.
     *
     * @param method    the HTTP method
     * @param target    the path and query exactly as received ({@code /api/v1/internal/forward?group=b&...})
     * @param body      the request body
     * @param node      the {@value #NODE_HEADER} value
     * @param timestamp the {@value #TIMESTAMP_HEADER} value
     * @param signature the {@value #SIGNATURE_HEADER} value
     * @return accepted, or refused with the reason (for the 403 answer and the log; it never shows the secret)
     */
    Verdict verify(String method, String target, byte[] body, String node, String timestamp, String signature);

    /**
     * The outcome of {@link #verify}.
     *
     * @param accepted true when the request is authentic, fresh and seen for the first time
     * @param reason   why it is refused; empty when accepted
     */
    record Verdict(boolean accepted, String reason) {
        public Verdict {
            Objects.requireNonNull(reason, "reason");
        }

        public static Verdict accept() {
            return new Verdict(true, "");
        }

        public static Verdict refuse(String reason) {
            return new Verdict(false, reason);
        }
    }
}
