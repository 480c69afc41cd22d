package io.gatehouse.itests;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.awaitility.Awaitility.await;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.Test;

/**
 * Stopping a node drains it: with requests in flight (an upstream that holds its answers), the gateway is
 * stopped with {@code bin/stop}, as {@code ./gatehouse stop} does; its readiness turns 503 first (for the
 * admin API's {@code drainDelay}) while it still serves, then its listener stops accepting connections while
 * the requests are still in flight, then the upstream answers, every request in flight is answered in full, and
 * the process ends.
 */
public class DrainIT {
    private static final int IN_FLIGHT = 8;

    private final Http http = new Http(java.time.Duration.ofSeconds(60));

    private static boolean accepts(int port) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    public void requestsInFlightAreAnsweredWhenTheNodeStops() throws Exception {
        Path parent = Paths.get(System.getProperty("project.build.directory", "target"), "drain-it-" + System.nanoTime());
        int adminPort = Ports.free();
        int port = Ports.free();
        String admin = "http://127.0.0.1:" + adminPort + "/api/v1";
        AtomicInteger arrived = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);
        HttpServer upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        ExecutorService upstreamThreads = Executors.newFixedThreadPool(IN_FLIGHT + 2);
        upstream.setExecutor(upstreamThreads);
        upstream.createContext("/", exchange -> {
            arrived.incrementAndGet();
            try {
                // held until the node is draining: the answers come after its listener closed
                release.await(60, SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            byte[] body = "slow answer\n".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        upstream.start();
        // one thread more than the requests in flight: the stop runs beside them
        ExecutorService clients = Executors.newFixedThreadPool(IN_FLIGHT + 1);
        try (KarafProcess karaf = KarafProcess.unpack(parent, adminPort)) {
            karaf.setProperty("etc/io.gatehouse.core.cfg", "defaults", "none");
            // readiness turns 503 this long before anything stops
            karaf.setProperty("etc/io.gatehouse.admin.cfg", "drainDelay", "3s");
            karaf.start();
            await().atMost(180, SECONDS).until(() -> http.writable("http://127.0.0.1:" + adminPort));
            String yaml = """
                    kind: Pipeline
                    name: slow
                    spec:
                      plugins:
                        - name: backend
                          kind: proxy
                          spec:
                            pools:
                              - servers:
                                  - url: http://127.0.0.1:%d
                            readTimeout: 30s
                    ---
                    kind: HTTPServer
                    name: slow
                    spec:
                      address: 127.0.0.1
                      port: %d
                      rules:
                        - pipeline: slow
                    """.formatted(upstream.getAddress().getPort(), port);
            HttpResponse<String> applied = http.send("POST", admin + "/apply", "application/yaml", yaml);
            assertEquals(applied.body(), 200, applied.statusCode());
            String url = "http://127.0.0.1:" + port + "/work";
            await().atMost(30, SECONDS).until(() -> accepts(port));

            List<Future<HttpResponse<String>>> inFlight = new ArrayList<>();
            for (int i = 0; i < IN_FLIGHT; i++) {
                inFlight.add(clients.submit(() -> http.get(url)));
            }
            await().atMost(30, SECONDS).until(() -> arrived.get() == IN_FLIGHT);
            String ready = admin + "/ready";
            assertEquals(200, http.status(ready));
            long stopping = System.nanoTime();
            Future<Boolean> stopped = clients.submit(() -> karaf.stop(90));
            // first readiness turns 503 while the server still takes connections (load balancers take the node out)
            await("readiness turns 503").atMost(30, SECONDS).pollInterval(java.time.Duration.ofMillis(50))
                    .until(() -> http.status(ready) == 503);
            long unreadyMillis = (System.nanoTime() - stopping) / 1_000_000;
            assertTrue("the server still accepts while readiness says 503", accepts(port));
            // draining: the listener no longer accepts connections while the requests are still in flight
            await("the listener closes").atMost(60, SECONDS).pollInterval(java.time.Duration.ofMillis(50))
                    .until(() -> !accepts(port));
            long drainingMillis = (System.nanoTime() - stopping) / 1_000_000;
            List<String> early = new ArrayList<>();
            for (Future<HttpResponse<String>> f : inFlight) {
                if (f.isDone()) {
                    try {
                        HttpResponse<String> r = f.get();
                        early.add(r.statusCode() + " " + r.body().trim());
                    } catch (java.util.concurrent.ExecutionException e) {
                        early.add(String.valueOf(e.getCause()));
                    }
                }
            }
            assertEquals("answered before the upstream was released: " + early, List.of(), early);
            release.countDown();
            assertTrue("the node stopped within 90 s:\n" + karaf.console(), stopped.get(120, SECONDS));
            long stopMillis = (System.nanoTime() - stopping) / 1_000_000;

            for (Future<HttpResponse<String>> f : inFlight) {
                HttpResponse<String> r = f.get(30, SECONDS);
                assertEquals(r.body(), 200, r.statusCode());
                assertEquals("slow answer\n", r.body());
            }
            assertTrue("nothing listens any more on " + port, !accepts(port));
            System.out.println("DrainIT: " + IN_FLIGHT + " requests in flight, all answered 200; readiness 503 after "
                    + unreadyMillis + " ms, the listener closed " + drainingMillis + " ms after bin/stop and the node ended"
                    + " after " + stopMillis + " ms");
        } finally {
            release.countDown();
            clients.shutdownNow();
            upstream.stop(0);
            upstreamThreads.shutdownNow();
        }
    }
}
