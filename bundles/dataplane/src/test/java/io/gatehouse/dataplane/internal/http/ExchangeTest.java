package io.gatehouse.dataplane.internal.http;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import io.netty.util.concurrent.EventExecutor;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.Test;

/** Exchange behaviour with handlers that answer directly (no upstream). */
public class ExchangeTest extends DataPlaneTestSupport {

    private static final String GET = "GET /x HTTP/1.1\r\nHost: h\r\n\r\n";

    @Test
    public void offloadRunsOnTheBlockingPoolAndCompletesOnTheEventLoop() throws Exception {
        int port = bind(ex -> ex.offload(() -> Thread.currentThread().getName()).whenComplete((name, e) -> {
            boolean onLoop = ((EventExecutor) ex.executor()).inEventLoop();
            ex.respond(200).body((name + " " + onLoop).getBytes(StandardCharsets.UTF_8));
            ex.end();
        }));
        try (RawClient c = new RawClient(port)) {
            String body = c.send(GET).read().text();
            assertTrue(body, body.startsWith("gatehouse-blocking"));
            assertTrue(body, body.endsWith(" true"));
        }
    }

    @Test
    public void offloadBeyondTheQueueIsRejected() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        int port = bind(ex -> {
            // 2 threads + queue of 2: the fifth task is refused at once
            for (int i = 0; i < 4; i++) {
                ex.offload(() -> release.await(10, TimeUnit.SECONDS));
            }
            ex.offload(() -> "late").whenComplete((v, e) -> {
                boolean rejected = e instanceof RejectedExecutionException;
                ex.respondError(rejected ? 503 : 200, "busy", "rejected=" + rejected);
                ex.end();
            });
        });
        try (RawClient c = new RawClient(port)) {
            RawClient.Response r = c.send(GET).read();
            assertEquals(503, r.status());
            assertTrue(r.text().contains("rejected=true"));
        } finally {
            release.countDown();
        }
    }

    @Test
    public void pipelineWithoutResponseAnswers500Json() throws Exception {
        int port = bind(ex -> ex.end());
        try (RawClient c = new RawClient(port)) {
            RawClient.Response r = c.send(GET).read();
            assertEquals(500, r.status());
            assertEquals("application/json", r.header("Content-Type"));
            assertEquals("{\"status\":500,\"error\":\"no_response\",\"message\":\"the pipeline ended without a response\"}",
                    r.text());
        }
    }

    @Test
    public void errorBodyIsEscapedJson() throws Exception {
        int port = bind(ex -> {
            ex.respondError(503, "down", "say \"hi\"\n\\ \u0001");
            ex.end();
        });
        try (RawClient c = new RawClient(port)) {
            RawClient.Response r = c.send(GET).read();
            assertEquals("{\"status\":503,\"error\":\"down\",\"message\":\"say \\\"hi\\\"\\n\\\\ \\u0001\"}", r.text());
        }
    }

    @Test
    public void throwingHandlerAnswers500() throws Exception {
        int port = bind(ex -> {
            throw new IllegalStateException("boom");
        });
        try (RawClient c = new RawClient(port)) {
            assertEquals(500, c.send(GET).read().status());
        }
    }

    @Test
    public void scheduleRunsOnTheEventLoop() throws Exception {
        int port = bind(ex -> ex.schedule(() -> {
            ex.respond(200).body(String.valueOf(((EventExecutor) ex.executor()).inEventLoop())
                    .getBytes(StandardCharsets.UTF_8));
            ex.end();
        }, 20, TimeUnit.MILLISECONDS));
        try (RawClient c = new RawClient(port)) {
            assertEquals("true", c.send(GET).read().text());
        }
    }

    @Test
    public void http10ClientsGetCloseOrExplicitKeepAlive() throws Exception {
        int port = bind(ex -> {
            ex.respond(200).body("a".getBytes(StandardCharsets.UTF_8));
            ex.end();
        });
        try (RawClient c = new RawClient(port)) {
            RawClient.Response r = c.send("GET / HTTP/1.0\r\n\r\n").read();
            // the gateway answers HTTP/1.1 (RFC 9110 6.2), so the close must be explicit
            assertTrue(r.statusLine(), r.statusLine().startsWith("HTTP/1.1 200"));
            assertEquals("close", r.header("Connection"));
            assertTrue(c.closedByServer());
        }
        try (RawClient c = new RawClient(port)) {
            RawClient.Response r = c.send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").read();
            assertTrue(r.statusLine(), r.statusLine().startsWith("HTTP/1.1 200"));
            assertEquals("keep-alive", r.header("Connection"));
            assertEquals(200, c.send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").read().status());
        }
    }

    @Test
    public void answeringWithoutReadingTheBodyClosesTheConnection() throws Exception {
        int port = bind(ex -> {
            ex.respondError(401, "unauthorized", "no");
            ex.end();
        });
        try (RawClient c = new RawClient(port)) {
            RawClient.Response r = c.send("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 100000\r\n\r\nabc").read();
            assertEquals(401, r.status());
            assertEquals("close", r.header("Connection"));
            assertTrue(c.closedByServer());
        }
    }

    @Test
    public void pipelinedRequestsAreAnsweredInOrder() throws Exception {
        int port = bind(ex -> {
            ex.respond(200).body(ex.request().uri().getBytes(StandardCharsets.UTF_8));
            ex.end();
        });
        try (RawClient c = new RawClient(port)) {
            c.send("GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\n"
                    + "GET /3 HTTP/1.1\r\nHost: h\r\n\r\n");
            assertEquals("/1", c.read().text());
            assertEquals("/2", c.read().text());
            assertEquals("/3", c.read().text());
        }
    }

    @Test
    public void expectContinueIsNotSentWhenThePipelineAnswersItself() throws Exception {
        int port = bind(ex -> {
            ex.respondError(403, "forbidden", "no");
            ex.end();
        });
        try (RawClient c = new RawClient(port)) {
            RawClient.Response r = c.send("PUT / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
                    .read();
            assertEquals(403, r.status());
            assertEquals("close", r.header("Connection"));
            assertTrue(c.closedByServer());
        }
    }

    @Test
    public void expectContinueIsSentWhenTheBodyIsForwarded() throws Exception {
        int port = bind(proxy());
        try (RawClient c = new RawClient(port)) {
            c.send("PUT /sha HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
            RawClient.Response cont = c.read();
            assertEquals(100, cont.status());
            RawClient.Response r = c.send("hello").read();
            assertEquals(200, r.status());
            assertTrue(r.text(), r.text().endsWith(" 5"));
            assertTrue(r.text().startsWith("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"));
        }
        TestUpstream.Seen s = upstream.requests.poll();
        assertNull(s.header("Expect"));
        assertEquals(5, s.bodyBytes());
    }
}
