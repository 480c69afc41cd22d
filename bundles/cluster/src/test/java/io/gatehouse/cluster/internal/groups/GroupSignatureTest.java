package io.gatehouse.cluster.internal.groups;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.gatehouse.api.cluster.GroupAuthenticator.Verdict;
import io.gatehouse.cluster.internal.ClusterSecret;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.Test;

/** The HMAC of requests between groups: what it covers, the replay window, the replay memory. */
public class GroupSignatureTest {
    private static final String TARGET = "/api/v1/internal/forward?group=b&timeout=9000ms";
    private static final byte[] BODY = "{\"requestId\":\"r1\"}".getBytes(StandardCharsets.UTF_8);

    private final AtomicLong clock = new AtomicLong(1_700_000_000_000L);
    private final ClusterSecret secret = ClusterSecret.of("a-secret-of-sixteen-or-more");
    private final GroupSignature sender = new GroupSignature(secret, clock::get);
    private final GroupSignature receiver = new GroupSignature(secret, clock::get);

    private Verdict verify(GroupSignature.Signed s) {
        return receiver.verify("POST", TARGET, BODY, s.node(), s.timestamp(), s.signature());
    }

    @Test
    public void aSignedRequestIsAcceptedOnceAndItsSignatureIsWellFormed() {
        GroupSignature.Signed s = sender.sign("POST", TARGET, BODY, "a1");
        assertEquals("a1", s.node());
        assertEquals(Long.toString(clock.get()), s.timestamp());
        assertTrue(s.signature(), GroupSignature.wellFormed(s.node(), s.timestamp(), s.signature()));
        assertTrue(verify(s).accepted());
        Verdict again = verify(s);
        assertFalse(again.accepted());
        assertTrue(again.reason(), again.reason().contains("replayed"));
        // the same request signed a millisecond later is a new request
        clock.incrementAndGet();
        assertTrue(verify(sender.sign("POST", TARGET, BODY, "a1")).accepted());
    }

    @Test
    public void everySignedPartCounts() {
        GroupSignature.Signed s = sender.sign("POST", TARGET, BODY, "a1");
        byte[] other = "{\"requestId\":\"r2\"}".getBytes(StandardCharsets.UTF_8);
        for (Verdict v : new Verdict[] {
            receiver.verify("PUT", TARGET, BODY, s.node(), s.timestamp(), s.signature()),
            receiver.verify("POST", TARGET.replace("group=b", "group=c"), BODY, s.node(), s.timestamp(), s.signature()),
            receiver.verify("POST", TARGET.replace("9000ms", "60000ms"), BODY, s.node(), s.timestamp(), s.signature()),
            receiver.verify("POST", TARGET, other, s.node(), s.timestamp(), s.signature()),
            receiver.verify("POST", TARGET, BODY, "a2", s.timestamp(), s.signature()),
            receiver.verify("POST", TARGET, BODY, s.node(), Long.toString(clock.get() + 1), s.signature())}) {
            assertFalse(v.accepted());
            assertTrue(v.reason(), v.reason().startsWith("wrong signature"));
        }
        // none of the refusals used the signature up
        assertTrue(verify(s).accepted());
    }

    @Test
    public void anotherSecretIsRefused() {
        GroupSignature stranger = new GroupSignature(ClusterSecret.of("another-secret-of-sixteen"), clock::get);
        Verdict v = verify(stranger.sign("POST", TARGET, BODY, "a1"));
        assertFalse(v.accepted());
        assertTrue(v.reason(), v.reason().contains("cluster secret"));
    }

    @Test
    public void timestampsOutsideTheWindowAreRefusedEitherWay() {
        long window = GroupSignature.WINDOW.toMillis();
        long now = clock.get();
        clock.set(now - window);
        GroupSignature.Signed oldest = sender.sign("POST", TARGET, BODY, "a1");
        clock.set(now - window - 1);
        GroupSignature.Signed tooOld = sender.sign("POST", TARGET, BODY, "a1");
        clock.set(now + window + 1);
        GroupSignature.Signed tooNew = sender.sign("POST", TARGET, BODY, "a1");
        clock.set(now + window);
        GroupSignature.Signed newest = sender.sign("POST", TARGET, BODY, "a1");
        clock.set(now);
        assertTrue(verify(oldest).accepted());
        assertTrue(verify(newest).accepted());
        for (GroupSignature.Signed s : new GroupSignature.Signed[] {tooOld, tooNew}) {
            Verdict v = verify(s);
            assertFalse(v.accepted());
            assertTrue(v.reason(), v.reason().contains("timestamp") && v.reason().contains("NTP"));
        }
    }

    @Test
    public void aReplayAfterTheWindowIsRefusedByTheTimestampAndTheMemoryForgetsIt() {
        GroupSignature.Signed s = sender.sign("POST", TARGET, BODY, "a1");
        assertTrue(verify(s).accepted());
        assertEquals(1, receiver.remembered());
        clock.addAndGet(GroupSignature.WINDOW.toMillis() + 1);
        Verdict late = verify(s);
        assertFalse(late.accepted());
        assertTrue(late.reason(), late.reason().contains("timestamp"));
        // the next accepted request sweeps the expired one out
        assertTrue(verify(sender.sign("POST", TARGET, BODY, "a1")).accepted());
        assertEquals(1, receiver.remembered());
    }

    @Test
    public void theMemoryIsBoundedAndForgetsTheOldestFirst() {
        GroupSignature small = new GroupSignature(secret, clock::get, Duration.ofSeconds(30), 3);
        GroupSignature.Signed[] s = new GroupSignature.Signed[4];
        for (int i = 0; i < s.length; i++) {
            clock.incrementAndGet();
            s[i] = sender.sign("POST", TARGET, BODY, "a1");
            assertTrue(small.verify("POST", TARGET, BODY, "a1", s[i].timestamp(), s[i].signature()).accepted());
        }
        assertEquals(3, small.remembered());
        assertFalse("still remembered", small.verify("POST", TARGET, BODY, "a1", s[3].timestamp(),
                s[3].signature()).accepted());
        assertTrue("forgotten (the memory was full): the window alone protects it", small.verify("POST", TARGET, BODY,
                "a1", s[0].timestamp(), s[0].signature()).accepted());
    }

    @Test
    public void malformedHeadersAreRefusedWithoutAMac() {
        GroupSignature.Signed s = sender.sign("POST", TARGET, BODY, "a1");
        assertFalse(GroupSignature.wellFormed(null, s.timestamp(), s.signature()));
        assertFalse(GroupSignature.wellFormed("A1", s.timestamp(), s.signature()));
        assertFalse(GroupSignature.wellFormed("a1", "-5", s.signature()));
        assertFalse(GroupSignature.wellFormed("a1", s.timestamp(), s.signature() + "="));
        assertFalse(GroupSignature.wellFormed("a1", s.timestamp(), s.signature().substring(1)));
        Verdict v = receiver.verify("POST", TARGET, BODY, "a1", "soon", s.signature());
        assertFalse(v.accepted());
        assertTrue(v.reason(), v.reason().contains("not signed"));
    }
}
