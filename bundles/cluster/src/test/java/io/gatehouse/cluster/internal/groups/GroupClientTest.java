package io.gatehouse.cluster.internal.groups;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.gatehouse.api.cluster.ConsensusException;
import io.gatehouse.api.cluster.ConsensusException.Reason;
import io.gatehouse.api.cluster.GroupAuthenticator;
import io.gatehouse.cluster.internal.ClusterSecret;
import io.gatehouse.dataplane.TestCertificates;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.After;
import org.junit.Test;

/**
 * The sender of writes to other groups against real HTTP servers on ephemeral loopback ports: signed requests,
 * the addresses tried in turn (refused, misdirected, leaderless ones skipped; a group-wide refusal final), the
 * preferred address, deadlines, the bound on writes in flight, close.
 */
public class GroupClientTest {
    private static final ClusterSecret SECRET = ClusterSecret.of("a-secret-of-sixteen-or-more");
    private static final byte[] WRITE = "{\"requestId\":\"r1\"}".getBytes(StandardCharsets.UTF_8);
    private static final byte[] ANSWER = "{\"index\":7,\"objects\":[]}".getBytes(StandardCharsets.UTF_8);
    private static final Pattern TIMEOUT_PARAM = Pattern.compile("timeout=(\\d+)ms");

    private final List<Node> nodes = new ArrayList<>();
    private final CountDownLatch release = new CountDownLatch(1);
    private final ExecutorService handlers = Executors.newFixedThreadPool(24);
    private GroupClient client;

    /** What a fake node answers: status, body. */
    private record Answer(int status, String body) {
    }

    /** A fake node of group b: an HTTP server that checks signatures and answers what it is told. */
    private final class Node {
        final HttpServer server;
        final GroupSignature receiver = new GroupSignature(SECRET, System::currentTimeMillis);
        final List<String> targets = new CopyOnWriteArrayList<>();
        final List<String> refusals = new CopyOnWriteArrayList<>();
        volatile byte[] lastBody;
        volatile Answer answer;
        volatile boolean silent;

        Node(Answer answer) throws IOException {
            this(answer, null);
        }

        /** With {@code tls}, an HTTPS server. */
        Node(Answer answer, SSLContext tls) throws IOException {
            this.answer = answer;
            if (tls == null) {
                server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
            } else {
                HttpsServer https = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
                https.setHttpsConfigurator(new HttpsConfigurator(tls));
                server = https;
            }
            server.setExecutor(handlers);
            server.createContext("/", this::handle);
            server.start();
        }

        String address() {
            return "127.0.0.1:" + server.getAddress().getPort();
        }

        private void handle(HttpExchange ex) throws IOException {
            byte[] body = ex.getRequestBody().readAllBytes();
            URI uri = ex.getRequestURI();
            String target = uri.getRawPath() + "?" + uri.getRawQuery();
            targets.add(target);
            lastBody = body;
            var verdict = receiver.verify(ex.getRequestMethod(), target, body,
                    ex.getRequestHeaders().getFirst(GroupAuthenticator.NODE_HEADER),
                    ex.getRequestHeaders().getFirst(GroupAuthenticator.TIMESTAMP_HEADER),
                    ex.getRequestHeaders().getFirst(GroupAuthenticator.SIGNATURE_HEADER));
            if (!verdict.accepted()) {
                refusals.add(verdict.reason());
            }
            if (silent) {
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                ex.close();
                return;
            }
            byte[] out = answer.body().getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(answer.status(), out.length);
            ex.getResponseBody().write(out);
            ex.close();
        }
    }

    @After
    public void stop() {
        release.countDown();
        if (client != null) {
            client.close();
        }
        nodes.forEach(n -> n.server.stop(0));
        handlers.shutdownNow();
    }

    private Node node(Answer answer) throws IOException {
        return node(answer, null);
    }

    private Node node(Answer answer, SSLContext tls) throws IOException {
        Node n = new Node(answer, tls);
        nodes.add(n);
        return n;
    }

    private static Answer ok() {
        return new Answer(200, new String(ANSWER, StandardCharsets.UTF_8));
    }

    private static Answer refusal(int status, Reason reason, String message, String leader) {
        return new Answer(status, "{\"status\":" + status + ",\"error\":\"unavailable\",\"message\":\"" + message
                + "\",\"violations\":[],\"reason\":\"" + reason + "\",\"leader\":"
                + (leader == null ? "null" : "\"" + leader + "\"") + "}");
    }

    private static String closedAddress() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return "127.0.0.1:" + s.getLocalPort();
        }
    }

    private GroupClient client(String... addresses) throws Exception {
        return client(SSLContext.getDefault(), addresses);
    }

    private GroupClient client(SSLContext tls, String... addresses) {
        client = new GroupClient("a1", "a", Map.of("b", List.of(addresses)),
                new GroupSignature(SECRET, System::currentTimeMillis), tls);
        return client;
    }

    /** A server context presenting {@code issued}. */
    private static SSLContext serving(TestCertificates.Issued issued) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("b", issued.keys().getPrivate(), new char[0],
                new java.security.cert.Certificate[] {issued.certificate()});
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, new char[0]);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), null, null);
        return context;
    }

    /**
     * An {@code https://} address: the certificate is verified against the trust file (chain and name), the
     * request signed as over HTTP; a node presenting a certificate the file does not hold gets nothing.
     */
    @Test
    public void anHttpsAddressIsVerifiedAgainstTheTrustFile() throws Exception {
        TestCertificates.Issued b1 = TestCertificates.issue("b1");
        Node secure = node(ok(), serving(b1));
        Path trust = Files.createTempFile("group-trust", ".pem");
        try {
            Files.writeString(trust, b1.certificatePem());
            SSLContext trusting = GroupTls.context(trust.toString());
            String address = "https://" + secure.address();
            assertArrayEquals(ANSWER, client(trusting, address).forward("b", WRITE, Duration.ofSeconds(10))
                    .get(20, TimeUnit.SECONDS));
            assertEquals("signed as over HTTP: " + secure.refusals, List.of(), secure.refusals);
            assertEquals(1, secure.targets.size());
            client.close();

            TestCertificates.Issued other = TestCertificates.issue("other");
            Files.writeString(trust, other.certificatePem());
            refused(client(GroupTls.context(trust.toString()), address).forward("b", WRITE, Duration.ofSeconds(3)));
            assertEquals("nothing reached the node it does not trust", 1, secure.targets.size());

            Files.writeString(trust, "not a certificate");
            IllegalArgumentException bad = org.junit.Assert.assertThrows(IllegalArgumentException.class,
                    () -> GroupTls.context(trust.toString()));
            assertTrue(bad.getMessage(), bad.getMessage().startsWith(trust + ": "));
        } finally {
            Files.deleteIfExists(trust);
        }
    }

    private static ConsensusException refused(CompletableFuture<byte[]> f) throws Exception {
        try {
            f.get(20, TimeUnit.SECONDS);
            fail("expected a refusal");
            return null;
        } catch (ExecutionException e) {
            assertTrue(String.valueOf(e.getCause()), e.getCause() instanceof ConsensusException);
            return (ConsensusException) e.getCause();
        }
    }

    @Test
    public void refusedAndMisdirectedAddressesAreSkippedAndTheOneThatAnsweredIsTriedFirstNextTime() throws Exception {
        String closed = closedAddress();
        Node misdirected = node(new Answer(421, "{\"status\":421,\"error\":\"misdirected\",\"message\":\"this node "
                + "is in group 'c'\",\"violations\":[]}"));
        Node good = node(ok());
        GroupClient c = client(closed, misdirected.address(), good.address());

        assertArrayEquals(ANSWER, c.forward("b", WRITE, Duration.ofSeconds(10)).get(20, TimeUnit.SECONDS));
        assertEquals(1, misdirected.targets.size());
        assertEquals(1, good.targets.size());
        assertEquals("signed with the secret: " + good.refusals, List.of(), good.refusals);
        assertArrayEquals("the core's bytes, untouched", WRITE, good.lastBody);
        String target = good.targets.get(0);
        assertTrue(target, target.startsWith(GroupAuthenticator.FORWARD_PATH + "?group=b&timeout="));
        Matcher m = TIMEOUT_PARAM.matcher(target);
        assertTrue(target, m.find());
        long remote = Long.parseLong(m.group(1));
        assertTrue("the receiving node answers before the sender gives up: " + remote,
                remote > 5_000 && remote <= 10_000 - GroupClient.MIN_MARGIN.toMillis());
        assertEquals(good.address(), c.preferred("b"));

        assertArrayEquals(ANSWER, c.forward("b", WRITE, Duration.ofSeconds(10)).get(20, TimeUnit.SECONDS));
        assertEquals("the preferred address is tried first", 2, good.targets.size());
        assertEquals(1, misdirected.targets.size());
    }

    @Test
    public void aNodeWithoutLeaderIsSkippedButAGroupWideRefusalIsFinal() throws Exception {
        Node leaderless = node(refusal(503, Reason.NO_LEADER, "no leader is known for group b", null));
        Node good = node(ok());
        assertArrayEquals(ANSWER, client(leaderless.address(), good.address()).forward("b", WRITE,
                Duration.ofSeconds(10)).get(20, TimeUnit.SECONDS));
        client.close();

        Node noMajority = node(refusal(503, Reason.NO_MAJORITY, "1 of 3 voters reachable", "b2"));
        Node other = node(ok());
        ConsensusException e = refused(client(noMajority.address(), other.address()).forward("b", WRITE,
                Duration.ofSeconds(10)));
        assertEquals(Reason.NO_MAJORITY, e.reason());
        assertEquals("the group's own message", "1 of 3 voters reachable", e.getMessage());
        assertEquals("b2", e.leader());
        assertEquals("not tried: the refusal is the group's", 0, other.targets.size());
        assertEquals(noMajority.address(), client.preferred("b"));
    }

    @Test
    public void theGroupsTimeoutIsFinal() throws Exception {
        Node slow = node(refusal(504, Reason.TIMEOUT, "no outcome within 9.7s; the write may still commit", null));
        Node other = node(ok());
        ConsensusException e = refused(client(slow.address(), other.address()).forward("b", WRITE,
                Duration.ofSeconds(10)));
        assertEquals(Reason.TIMEOUT, e.reason());
        assertEquals(0, other.targets.size());
    }

    @Test
    public void whenNoAddressTakesTheWriteTheAnswerSaysSoOrRepeatsTheGroupsRefusal() throws Exception {
        String closed = closedAddress();
        Node stranger = node(new Answer(403, "{\"status\":403,\"error\":\"forbidden\",\"message\":\"refused: wrong "
                + "signature\",\"violations\":[]}"));
        ConsensusException e = refused(client(closed, stranger.address()).forward("b", WRITE, Duration.ofSeconds(10)));
        assertEquals(Reason.NO_LEADER, e.reason());
        String m = e.getMessage();
        assertTrue(m, m.startsWith("no node of group 'b' took the write (tried "));
        assertTrue(m, m.contains(closed + ": connection refused"));
        assertTrue(m, m.contains(stranger.address() + ": 403: refused: wrong signature"));
        client.close();

        Node leaderless = node(refusal(503, Reason.NO_LEADER, "no leader is known for group b", null));
        e = refused(client(leaderless.address(), closedAddress()).forward("b", WRITE, Duration.ofSeconds(10)));
        assertEquals(Reason.NO_LEADER, e.reason());
        assertEquals("what group b answered", "no leader is known for group b", e.getMessage());
    }

    @Test
    public void anAddressThatDoesNotAnswerCostsTheDeadlineAndTheNextWriteStartsElsewhere() throws Exception {
        Node silent = node(ok());
        silent.silent = true;
        Node good = node(ok());
        GroupClient c = client(silent.address(), good.address());
        long t0 = System.nanoTime();
        ConsensusException e = refused(c.forward("b", WRITE, Duration.ofMillis(1500)));
        long took = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(Reason.TIMEOUT, e.reason());
        assertTrue(e.getMessage(), e.getMessage().contains("may still commit"));
        assertTrue("bounded by the deadline: " + took + " ms", took >= 1_400 && took < 4_000);
        assertEquals("no time was left for another address", 0, good.targets.size());
        assertEquals(good.address(), c.preferred("b"));
        assertArrayEquals(ANSWER, c.forward("b", WRITE, Duration.ofSeconds(5)).get(20, TimeUnit.SECONDS));
        assertEquals(1, silent.targets.size());
    }

    @Test
    public void aGroupThatIsNotConfiguredIsUnknown() throws Exception {
        ConsensusException e = refused(client(closedAddress()).forward("c", WRITE, Duration.ofSeconds(1)));
        assertEquals(Reason.UNKNOWN_GROUP, e.reason());
        assertEquals("unknown group 'c': this node is in group 'a' and reaches groups [b] (groups.<name> in "
                + "io.gatehouse.cluster)", e.getMessage());
    }

    @Test
    public void writesInFlightAreBoundedAndCloseFailsThemAtOnce() throws Exception {
        Node silent = node(ok());
        silent.silent = true;
        GroupClient c = client(silent.address());
        List<CompletableFuture<byte[]>> waiting = new ArrayList<>();
        for (int i = 0; i < GroupClient.MAX_IN_FLIGHT; i++) {
            waiting.add(c.forward("b", WRITE, Duration.ofSeconds(30)));
        }
        ConsensusException busy = refused(c.forward("b", WRITE, Duration.ofSeconds(30)));
        assertEquals(Reason.OVERLOADED, busy.reason());
        assertTrue(busy.getMessage(), busy.getMessage().startsWith("busy: 16 writes to other groups"));

        long t0 = System.nanoTime();
        c.close();
        for (CompletableFuture<byte[]> f : waiting) {
            assertEquals(Reason.STOPPED, refused(f).reason());
        }
        assertTrue("at once", System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5));
        assertEquals(Reason.STOPPED, refused(c.forward("b", WRITE, Duration.ofSeconds(1))).reason());
    }
}
