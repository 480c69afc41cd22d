package io.gatehouse.cluster.internal;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.ExecutionCallback;
import com.hazelcast.core.HazelcastInstanceNotActiveException;
import com.hazelcast.core.IExecutorService;
import com.hazelcast.core.MemberLeftException;
import com.hazelcast.spi.exception.TargetDisconnectedException;
import com.hazelcast.spi.exception.TargetNotMemberException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Messaging} over Hazelcast's {@link IExecutorService} ({@value #EXECUTOR}, bounded queue): a request is
 * an {@link Envelope} run on the receiving member, whose answer is a {@link Frame}. Also the receiving side
 * ({@link Envelope.Receiver}): HMAC and trust checks, Lamport clock, relaying, dispatch to handlers.
 */
final class ExecutorMessaging implements Messaging, Envelope.Receiver {
    /** Key of this object in the member's user context, where envelopes find it. */
    static final String USER_CONTEXT_KEY = "gatehouse.messaging";
    /** The executor that runs envelopes. */
    static final String EXECUTOR = "gatehouse.messages";
    /** Threads of that executor per member. */
    static final int EXECUTOR_THREADS = 8;
    /** Its queue capacity per member. */
    static final int EXECUTOR_QUEUE = 1000;
    /** The one type a member answers before it trusts the sender (the secret challenge). */
    static final String CHALLENGE = "gatehouse.challenge";

    private static final Logger LOG = LoggerFactory.getLogger(ExecutorMessaging.class);

    private final String self;
    private final String selfUuid;
    private final ClusterSecret secret;
    private final LamportClock clock;
    private final MemberDirectory directory;
    private final IExecutorService executor;
    private final ScheduledExecutorService timer;
    private final ExecutorService local;
    private final Map<String, Handler> handlers = new ConcurrentHashMap<>();
    private volatile boolean stopped;
    /** Test hook: direct deliveries to the named members fail as if the connection broke. */
    private volatile Predicate<String> directBroken = name -> false;

    ExecutorMessaging(String self, String selfUuid, ClusterSecret secret, LamportClock clock, MemberDirectory directory,
                      IExecutorService executor, ScheduledExecutorService timer, ExecutorService local) {
        this.self = self;
        this.selfUuid = selfUuid;
        this.secret = secret;
        this.clock = clock;
        this.directory = directory;
        this.executor = executor;
        this.timer = timer;
        this.local = local;
    }

    @Override
    public CompletableFuture<byte[]> request(String member, String type, byte[] payload, Duration timeout) {
        Objects.requireNonNull(member, "member");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(payload, "payload");
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive: " + timeout);
        }
        if (stopped) {
            return CompletableFuture.failedFuture(new MessagingException(MessagingException.Reason.STOPPED,
                    "the cluster service is stopping"));
        }
        if (member.equals(self)) {
            return requestSelf(type, payload, timeout);
        }
        Member target = directory.trustedMember(member);
        if (target == null) {
            return CompletableFuture.failedFuture(new MessagingException(MessagingException.Reason.UNKNOWN_MEMBER,
                    "no live, trusted member '" + member + "' in this group"));
        }
        return send(target, member, type, payload, timeout);
    }

    /** Sends to a given member incarnation, trusted or not (the secret challenge uses it). */
    CompletableFuture<byte[]> send(Member target, String targetName, String type, byte[] payload, Duration timeout) {
        if (stopped) {
            return CompletableFuture.failedFuture(new MessagingException(MessagingException.Reason.STOPPED,
                    "the cluster service is stopping"));
        }
        CompletableFuture<byte[]> result = new CompletableFuture<>();
        Envelope e = new Envelope(type, self, selfUuid, targetName, clock.tick(), timeout.toMillis(), payload)
                .sign(secret);
        ScheduledFuture<?> deadline = timer.schedule(() -> result.completeExceptionally(new MessagingException(
                MessagingException.Reason.TIMEOUT, type + " to " + targetName + ": no answer within "
                + timeout.toMillis() + " ms")), timeout.toMillis(), TimeUnit.MILLISECONDS);
        result.whenComplete((r, t) -> deadline.cancel(false));
        deliver(e, target, true, result);
        return result;
    }

    private CompletableFuture<byte[]> requestSelf(String type, byte[] payload, Duration timeout) {
        long stamp = clock.tick();
        CompletableFuture<byte[]> result = new CompletableFuture<>();
        try {
            local.execute(() -> {
                Handler h = handlers.get(type);
                if (h == null) {
                    result.completeExceptionally(new MessagingException(MessagingException.Reason.NO_HANDLER,
                            self + " has no handler for " + type));
                    return;
                }
                try {
                    result.complete(h.handle(new Incoming(type, self, stamp, payload)));
                } catch (Exception ex) {
                    result.completeExceptionally(new MessagingException(MessagingException.Reason.HANDLER_FAILED,
                            String.valueOf(ex.getMessage()), ex));
                }
            });
        } catch (RejectedExecutionException ex) {
            result.completeExceptionally(new MessagingException(MessagingException.Reason.OVERLOADED,
                    "local message queue full", ex));
        }
        ScheduledFuture<?> deadline = timer.schedule(() -> result.completeExceptionally(new MessagingException(
                MessagingException.Reason.TIMEOUT, type + " to self: no answer within " + timeout.toMillis() + " ms")),
                timeout.toMillis(), TimeUnit.MILLISECONDS);
        result.whenComplete((r, t) -> deadline.cancel(false));
        return result;
    }

    /** Submits {@code e} to {@code via}; on a delivery failure, relays once when {@code mayRelay}. */
    private void deliver(Envelope e, Member via, boolean mayRelay, CompletableFuture<byte[]> result) {
        ExecutionCallback<byte[]> callback = new ExecutionCallback<>() {
            @Override
            public void onResponse(byte[] frame) {
                answered(e, frame, result);
            }

            @Override
            public void onFailure(Throwable t) {
                failed(e, t, mayRelay, result);
            }
        };
        String viaName = via.getAttribute(HazelcastMembers.ATTR_NODE);
        if (viaName != null && directBroken.test(viaName)) {
            failed(e, new TargetDisconnectedException("direct link to " + viaName + " broken (test)"), mayRelay, result);
            return;
        }
        try {
            executor.submitToMember(e, via, callback);
        } catch (RuntimeException ex) {
            failed(e, ex, mayRelay, result);
        }
    }

    private void answered(Envelope e, byte[] bytes, CompletableFuture<byte[]> result) {
        Frame frame;
        try {
            frame = Frame.decode(bytes);
        } catch (IOException ex) {
            result.completeExceptionally(new MessagingException(MessagingException.Reason.BAD_SIGNATURE,
                    e.type + " to " + e.target + ": unreadable answer", ex));
            return;
        }
        if (frame.mac().length == 0 && frame.status() != Frame.OK) {
            // an unsigned answer can only say "not running": believe nothing else unsigned
            result.completeExceptionally(new MessagingException(MessagingException.Reason.STOPPED,
                    e.target + ": " + frame.message()));
            return;
        }
        if (!frame.verify(secret, e.mac)) {
            result.completeExceptionally(new MessagingException(MessagingException.Reason.BAD_SIGNATURE,
                    e.type + " to " + e.target + ": the answer's HMAC does not verify (another cluster secret?)"));
            return;
        }
        clock.observe(frame.lamport());
        if (frame.status() == Frame.OK) {
            result.complete(frame.body());
        } else {
            result.completeExceptionally(new MessagingException(frame.reason(),
                    e.type + " to " + e.target + " (answered by " + frame.responder() + "): " + frame.message()));
        }
    }

    private void failed(Envelope e, Throwable t, boolean mayRelay, CompletableFuture<byte[]> result) {
        Throwable cause = t instanceof ExecutionException && t.getCause() != null ? t.getCause() : t;
        if (stopped || cause instanceof HazelcastInstanceNotActiveException) {
            result.completeExceptionally(new MessagingException(MessagingException.Reason.STOPPED,
                    "the cluster service is stopping", cause));
        } else if (cause instanceof RejectedExecutionException) {
            result.completeExceptionally(new MessagingException(MessagingException.Reason.OVERLOADED,
                    e.type + " to " + e.target + ": executor queue full", cause));
        } else if (mayRelay && isDeliveryFailure(cause)) {
            Member relay = directory.relayFor(e.target);
            if (relay == null) {
                result.completeExceptionally(new MessagingException(MessagingException.Reason.UNREACHABLE,
                        e.type + " to " + e.target + ": " + cause + "; no other member to relay through", cause));
                return;
            }
            LOG.debug("{} to {} failed ({}); relaying through {}", e.type, e.target, cause.toString(),
                    relay.getAttribute(HazelcastMembers.ATTR_NODE));
            deliver(e, relay, false, result);
        } else {
            result.completeExceptionally(new MessagingException(MessagingException.Reason.UNREACHABLE,
                    e.type + " to " + e.target + ": " + cause, cause));
        }
    }

    private static boolean isDeliveryFailure(Throwable t) {
        return t instanceof MemberLeftException || t instanceof TargetNotMemberException
                || t instanceof TargetDisconnectedException || t instanceof IOException
                || t instanceof com.hazelcast.core.OperationTimeoutException;
    }

    @Override
    public byte[] receive(Envelope e) {
        if (stopped) {
            return Frame.error(secret, e.mac, MessagingException.Reason.STOPPED, self, clock.tick(),
                    self + " is stopping");
        }
        boolean challenge = CHALLENGE.equals(e.type) && e.target.equals(self);
        if (!challenge) {
            if (!secret.verify(e.mac, e.signedParts())) {
                LOG.debug("Dropped {} from {}: HMAC does not verify", e.type, e.sender);
                return Frame.error(secret, e.mac, MessagingException.Reason.REFUSED, self, clock.now(),
                        "message dropped");
            }
            if (!directory.trusted(e.senderUuid)) {
                LOG.debug("Dropped {} from untrusted {}", e.type, e.sender);
                return Frame.error(secret, e.mac, MessagingException.Reason.REFUSED, self, clock.now(),
                        "message dropped: " + e.sender + " is not trusted (yet)");
            }
            clock.observe(e.lamport);
            directory.heard(e.senderUuid);
        }
        if (!e.target.equals(self)) {
            return relay(e);
        }
        Handler h = handlers.get(e.type);
        if (h == null) {
            return Frame.error(secret, e.mac, MessagingException.Reason.NO_HANDLER, self, clock.tick(),
                    self + " has no handler for " + e.type);
        }
        try {
            byte[] body = h.handle(new Incoming(e.type, e.sender, e.lamport, e.payload));
            return Frame.signed(secret, e.mac, Frame.OK, self, clock.tick(), body == null ? new byte[0] : body);
        } catch (Exception ex) {
            LOG.debug("Handler of {} failed for {}", e.type, e.sender, ex);
            return Frame.error(secret, e.mac, MessagingException.Reason.HANDLER_FAILED, self, clock.tick(),
                    ex.getClass().getSimpleName() + ": " + ex.getMessage());
        }
    }

    /** This member relays {@code e} to its target and hands back the target's (signed) answer unchanged. */
    private byte[] relay(Envelope e) {
        Member target = directory.trustedMember(e.target);
        if (target == null || directBroken.test(e.target)) {
            return Frame.error(secret, e.mac, MessagingException.Reason.UNREACHABLE, self, clock.tick(),
                    "relay " + self + " cannot reach " + e.target);
        }
        Future<byte[]> answer = null;
        try {
            answer = executor.submitToMember(e, target);
            return answer.get(e.timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException ex) {
            answer.cancel(false);
            return Frame.error(secret, e.mac, MessagingException.Reason.TIMEOUT, self, clock.tick(),
                    "relay " + self + ": no answer from " + e.target);
        } catch (ExecutionException | RuntimeException ex) {
            return Frame.error(secret, e.mac, MessagingException.Reason.UNREACHABLE, self, clock.tick(),
                    "relay " + self + " cannot reach " + e.target + ": " + ex);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return Frame.error(secret, e.mac, MessagingException.Reason.STOPPED, self, clock.tick(), "interrupted");
        }
    }

    @Override
    public void register(String type, Handler handler) {
        handlers.put(Objects.requireNonNull(type, "type"), Objects.requireNonNull(handler, "handler"));
    }

    @Override
    public void unregister(String type, Handler handler) {
        handlers.remove(type, handler);
    }

    /** Test hook: direct deliveries to members whose name matches fail like a broken connection. */
    void breakDirectLinks(Predicate<String> names) {
        directBroken = Objects.requireNonNull(names, "names");
    }

    /** Stops answering and sending; requests in flight complete with {@code STOPPED} or their deadline. */
    void stop() {
        stopped = true;
    }

    static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
