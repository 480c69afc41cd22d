package io.gatehouse.cluster.internal;

import com.hazelcast.cluster.Member;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The secret check (docs/cluster.md, "Security"): every other member is challenged with a fresh nonce and is
 * trusted once it answers with the HMAC of that nonce made with our secret. A member that answers wrongly is
 * refused for good. This node itself is refused when every member that was in the cluster before it (the
 * members it joined) answered wrongly and none rightly: it then has another secret than the group, and
 * {@code onRefused} runs (once).
 */
final class TrustGate {
    private static final Logger LOG = LoggerFactory.getLogger(TrustGate.class);
    private static final byte[] ANSWER = "gatehouse.challenge.answer".getBytes(StandardCharsets.UTF_8);
    private static final long RETRY_MILLIS = 300;

    private final String self;
    private final ClusterSecret secret;
    private final ExecutorMessaging messaging;
    private final MembershipView view;
    private final ScheduledExecutorService scheduler;
    private final Duration timeout;
    private final Runnable onRefused;
    private final SecureRandom random = new SecureRandom();
    private final CompletableFuture<Void> verified = new CompletableFuture<>();

    // guarded by this
    private final Set<String> older = new HashSet<>();
    private int olderTrusted;
    private int olderRefused;
    private boolean refused;

    TrustGate(String self, ClusterSecret secret, ExecutorMessaging messaging, MembershipView view,
              ScheduledExecutorService scheduler, Duration timeout, Runnable onRefused) {
        this.self = self;
        this.secret = secret;
        this.messaging = messaging;
        this.view = view;
        this.scheduler = scheduler;
        this.timeout = timeout;
        this.onRefused = onRefused;
        messaging.register(ExecutorMessaging.CHALLENGE, m -> answer(m.payload(), self));
    }

    /** Completes when this node knows it has the group's secret (it is the first member, or an older one vouched). */
    CompletableFuture<Void> verified() {
        return verified;
    }

    /** Starts with the members present when this node joined; {@code olderMembers} joined before it. */
    void start(Iterable<Member> olderMembers, Iterable<Member> others) {
        synchronized (this) {
            for (Member m : olderMembers) {
                older.add(m.getUuid().toString());
            }
            if (older.isEmpty()) {
                verified.complete(null);
            }
        }
        for (Member m : others) {
            challenge(m);
        }
    }

    /** Challenges a member (a new one, or one present at start). */
    void challenge(Member m) {
        String uuid = m.getUuid().toString();
        view.added(m);
        byte[] nonce = new byte[32];
        random.nextBytes(nonce);
        String name = m.getAttribute(HazelcastMembers.ATTR_NODE);
        messaging.send(m, name == null ? "?" : name, ExecutorMessaging.CHALLENGE, nonce, timeout)
                .whenComplete((answer, t) -> {
                    Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
                    if (cause == null && name != null
                            && secret.verify(answer, ANSWER, nonce, name.getBytes(StandardCharsets.UTF_8))) {
                        view.trust(uuid);
                        decided(uuid, true);
                    } else if (cause == null || cause instanceof MessagingException me
                            && me.reason() == MessagingException.Reason.BAD_SIGNATURE) {
                        LOG.warn("Member {} at {} failed the secret challenge: it has another cluster secret; its "
                                + "messages are dropped", name, MembershipView.address(m));
                        view.refuse(uuid, "wrong cluster secret");
                        decided(uuid, false);
                    } else if (view.trustOf(uuid) == MembershipView.Trust.PENDING) {
                        LOG.debug("Challenge of {} unanswered ({}); retrying", name, cause.toString());
                        try {
                            scheduler.schedule(() -> challenge(m), RETRY_MILLIS, TimeUnit.MILLISECONDS);
                        } catch (RuntimeException e) {
                            LOG.debug("Not retrying the challenge of {}: stopping", name);
                        }
                    }
                });
    }

    private void decided(String uuid, boolean trusted) {
        boolean refuseSelf = false;
        synchronized (this) {
            if (!older.remove(uuid)) {
                return;
            }
            if (trusted) {
                olderTrusted++;
                verified.complete(null);
            } else {
                olderRefused++;
            }
            if (!refused && older.isEmpty() && olderTrusted == 0 && olderRefused > 0) {
                refused = true;
                refuseSelf = true;
            }
        }
        if (refuseSelf) {
            onRefused.run();
        }
    }

    /** A member that left before answering no longer counts. */
    void removed(Member m) {
        boolean nowVerified;
        synchronized (this) {
            nowVerified = older.remove(m.getUuid().toString()) && older.isEmpty() && olderRefused == 0;
        }
        if (nowVerified) {
            // every member this node joined has left without deciding: it is now the oldest
            verified.complete(null);
        }
    }

    private byte[] answer(byte[] nonce, String name) {
        return secret.mac(ANSWER, nonce, name.getBytes(StandardCharsets.UTF_8));
    }
}
