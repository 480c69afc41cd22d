package io.gatehouse.dataplane.internal.http;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.netty.buffer.PooledByteBufAllocator;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

/**
 * 100 MB each way through the proxy, generated on the fly and hashed on both ends, while the pooled
 * direct memory in use stays far below the transfer size (nothing is aggregated).
 */
public class StreamingTest extends DataPlaneTestSupport {
    private static final long SIZE = 100L * 1024 * 1024;
    private static final long MEMORY_BOUND = 32L * 1024 * 1024;

    private final AtomicLong peakDirect = new AtomicLong();
    private ScheduledExecutorService sampler;
    private HttpClient client;

    @Before
    public void startSampler() {
        sampler = Executors.newSingleThreadScheduledExecutor();
        sampler.scheduleAtFixedRate(() -> peakDirect.accumulateAndGet(
                PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory(), Math::max), 0, 5, TimeUnit.MILLISECONDS);
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    @After
    public void stopSampler() {
        sampler.shutdownNow();
    }

    private static byte[] expectedDigest() throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        byte[] buf = new byte[65536];
        for (long off = 0; off < SIZE; off += buf.length) {
            int n = (int) Math.min(buf.length, SIZE - off);
            TestUpstream.fill(buf, off, n);
            md.update(buf, 0, n);
        }
        return md.digest();
    }

    /** The generated stream as an InputStream. */
    private static InputStream generated() {
        return new InputStream() {
            private long pos;

            @Override
            public int read() {
                return pos < SIZE ? TestUpstream.dataAt(pos++) & 0xff : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (pos >= SIZE) {
                    return -1;
                }
                int n = (int) Math.min(len, SIZE - pos);
                for (int i = 0; i < n; i++) {
                    b[off + i] = TestUpstream.dataAt(pos + i);
                }
                pos += n;
                return n;
            }
        };
    }

    @Test
    public void largeUploadStreamsToTheUpstream() throws Exception {
        int port = bind(proxy());
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/sha"))
                .POST(HttpRequest.BodyPublishers.ofInputStream(StreamingTest::generated))
                .timeout(Duration.ofSeconds(60)).build();
        HttpResponse<String> r = client.send(req, HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        assertEquals(HexFormat.of().formatHex(expectedDigest()) + " " + SIZE, r.body());
        assertTrue("direct memory peaked at " + peakDirect.get(), peakDirect.get() < MEMORY_BOUND);
    }

    @Test
    public void largeDownloadStreamsToTheClient() throws Exception {
        int port = bind(proxy());
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/big/" + SIZE))
                .timeout(Duration.ofSeconds(60)).build();
        HttpResponse<InputStream> r = client.send(req, HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, r.statusCode());
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        long total = 0;
        try (InputStream in = r.body()) {
            byte[] buf = new byte[65536];
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
                total += n;
            }
        }
        assertEquals(SIZE, total);
        assertArrayEquals(expectedDigest(), md.digest());
        assertTrue("direct memory peaked at " + peakDirect.get(), peakDirect.get() < MEMORY_BOUND);
    }
}
