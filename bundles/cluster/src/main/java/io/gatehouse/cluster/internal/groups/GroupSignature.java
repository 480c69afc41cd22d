package io.gatehouse.cluster.internal.groups;

import io.gatehouse.api.cluster.GroupAuthenticator.Verdict;
import io.gatehouse.cluster.internal.ClusterSecret;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;

/**
 * The signature of requests between groups (docs/cluster.md, "Writes to another group"): an HMAC-SHA256 with
 * the cluster secret over a label, the method, the path and query, the timestamp, the node and the body, each
 * length-prefixed ({@link ClusterSecret#mac}); base64url without padding. {@link #verify} accepts a request
 * whose MAC is right, whose timestamp is within {@link #WINDOW} of this node's clock (either way), and whose
 * signature it has not accepted before: accepted signatures are remembered until their timestamp leaves the
 * window, at most {@link #REMEMBERED} (the oldest forgotten first). Thread-safe.
 */
public final class GroupSignature {
    /** How far a request's timestamp may be from this node's clock, either way. */
    public static final Duration WINDOW = Duration.ofSeconds(30);
    /** Accepted signatures remembered at most (against replays within the window). */
    static final int REMEMBERED = 10_000;
    /** Keeps these MACs apart from any other made with the secret (cluster messages, challenges). */
    static final String LABEL = "gatehouse-forward-v1";

    private static final Pattern NODE = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
    private static final Pattern TIMESTAMP = Pattern.compile("[0-9]{1,18}");
    /** 32 bytes in base64url without padding. */
    private static final Pattern SIGNATURE = Pattern.compile("[A-Za-z0-9_-]{43}");

    /** The three header values of a signed request. */
    public record Signed(String node, String timestamp, String signature) {
    }

    private final ClusterSecret secret;
    private final LongSupplier clock;
    private final long windowMillis;
    private final int capacity;
    /** Accepted signature → the wall-clock time (ms) after which it is out of the window; insertion order. */
    private final LinkedHashMap<String, Long> accepted = new LinkedHashMap<>();

    /** @param clock this node's wall clock, in milliseconds since the epoch */
    public GroupSignature(ClusterSecret secret, LongSupplier clock) {
        this(secret, clock, WINDOW, REMEMBERED);
    }

    GroupSignature(ClusterSecret secret, LongSupplier clock, Duration window, int remembered) {
        this.secret = Objects.requireNonNull(secret, "secret");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.windowMillis = window.toMillis();
        this.capacity = remembered;
    }

    /** Signs a request as {@code node}, now. */
    public Signed sign(String method, String target, byte[] body, String node) {
        String timestamp = Long.toString(clock.getAsLong());
        byte[] mac = mac(method, target, body, node, timestamp);
        return new Signed(node, timestamp, Base64.getUrlEncoder().withoutPadding().encodeToString(mac));
    }

    /** True when the three values have the shape {@link #sign} gives them (a request without it gets 401). */
    public static boolean wellFormed(String node, String timestamp, String signature) {
        return node != null && timestamp != null && signature != null && NODE.matcher(node).matches()
                && TIMESTAMP.matcher(timestamp).matches() && SIGNATURE.matcher(signature).matches();
    }

    /** Checks a request: the MAC, then the timestamp, then that the signature is new. */
    public Verdict verify(String method, String target, byte[] body, String node, String timestamp, String signature) {
        if (method == null || target == null || body == null || !wellFormed(node, timestamp, signature)) {
            return Verdict.refuse("the request is not signed: it needs the headers node, timestamp and signature");
        }
        byte[] given = Base64.getUrlDecoder().decode(signature);
        if (!secret.verify(given, parts(method, target, body, node, timestamp))) {
            return Verdict.refuse("wrong signature: the sender does not share this node's cluster secret, or the "
                    + "request was altered");
        }
        long sent = Long.parseLong(timestamp);
        long now = clock.getAsLong();
        if (Math.abs(now - sent) > windowMillis) {
            return Verdict.refuse("the request's timestamp is " + (now - sent) + " ms from this node's clock (at most "
                    + windowMillis + " ms either way): a replay, or clocks that disagree (check NTP)");
        }
        synchronized (accepted) {
            forgetExpired(now);
            Long until = accepted.get(signature);
            if (until != null) {
                return Verdict.refuse("replayed: this signature was accepted before");
            }
            if (accepted.size() >= capacity) {
                Iterator<String> eldest = accepted.keySet().iterator();
                eldest.next();
                eldest.remove();
            }
            accepted.put(signature, sent + windowMillis);
        }
        return Verdict.accept();
    }

    /** Signatures remembered now (tests). */
    int remembered() {
        synchronized (accepted) {
            return accepted.size();
        }
    }

    /**
     * Drops signatures out of the window. Insertion order is nearly expiry order (timestamps differ by clock
     * skew only), so the sweep stops at the first one still in it; a full sweep runs only when the map is full.
     */
    private void forgetExpired(long now) {
        Iterator<Map.Entry<String, Long>> it = accepted.entrySet().iterator();
        while (it.hasNext()) {
            if (it.next().getValue() >= now) {
                break;
            }
            it.remove();
        }
        if (accepted.size() >= capacity) {
            accepted.values().removeIf(until -> until < now);
        }
    }

    private byte[] mac(String method, String target, byte[] body, String node, String timestamp) {
        return secret.mac(parts(method, target, body, node, timestamp));
    }

    private static byte[][] parts(String method, String target, byte[] body, String node, String timestamp) {
        return new byte[][] {utf8(LABEL), utf8(method), utf8(target), utf8(timestamp), utf8(node), body};
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
