package io.gatehouse.core.internal.stats;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.gatehouse.dataplane.ServerExchange;
import java.io.IOException;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The access log (docs/operations.md, "Logs"): one JSON line per request, written by one thread of its own
 * through the logger {@value #LOGGER} (Karaf's logging sends it to {@code data/log/access.log}, rolled). The
 * event loop only fills the exchange's {@link Entry} when the exchange completes and offers it to a bounded
 * queue; when the queue is full the entry is dropped and counted, never waited for. Drops are reported in the
 * node's log at most every {@value #DROP_REPORT_SECONDS} seconds.
 */
public final class AccessLog implements AutoCloseable {
    public static final String LOGGER = "gatehouse.access";
    static final int DROP_REPORT_SECONDS = 10;
    private static final Logger LOG = LoggerFactory.getLogger(AccessLog.class);

    private final BlockingQueue<Entry> queue;
    private final LongAdder dropped = new LongAdder();
    private final Consumer<String> sink;
    private final Thread writer;
    private final JsonFactory json = new JsonFactory();
    private volatile boolean closed;

    /**
     * A log writing each line to {@code sink} (the access logger, or a test's list).
     *
     * @param capacity entries that may wait for the writer
     */
    public AccessLog(int capacity, Consumer<String> sink) {
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.sink = sink;
        this.writer = new Thread(this::run, "gatehouse-access-log");
        writer.setDaemon(true);
        writer.start();
    }

    /** A log writing to the logger {@value #LOGGER}. */
    public static AccessLog toLogger(int capacity) {
        Logger access = LoggerFactory.getLogger(LOGGER);
        return new AccessLog(capacity, access::info);
    }

    /** Watches an exchange and logs it when it completes. Event loop; one small object per request. */
    public void watch(ServerExchange exchange) {
        exchange.onComplete(new Entry(this, exchange));
    }

    /** Entries dropped because the queue was full, since the start. */
    public long dropped() {
        return dropped.sum();
    }

    private void offer(Entry e) {
        if (closed || !queue.offer(e)) {
            dropped.increment();
        }
    }

    private void run() {
        StringWriter text = new StringWriter(512);
        List<Entry> batch = new ArrayList<>(256);
        long reported = 0;
        long reportedAt = System.nanoTime();
        while (!closed || !queue.isEmpty()) {
            try {
                Entry first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first != null) {
                    batch.add(first);
                    queue.drainTo(batch, 255);
                    for (Entry e : batch) {
                        text.getBuffer().setLength(0);
                        e.write(json, text);
                        sink.accept(text.toString());
                    }
                    batch.clear();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                if (closed) {
                    break;
                }
            } catch (IOException | RuntimeException e) {
                batch.clear();
                LOG.warn("An access log line could not be written", e);
            }
            long now = System.nanoTime();
            if (now - reportedAt >= TimeUnit.SECONDS.toNanos(DROP_REPORT_SECONDS)) {
                long d = dropped.sum();
                if (d > reported) {
                    LOG.warn("The access log dropped {} entries in the last {} s: its queue ({} entries) was full",
                            d - reported, DROP_REPORT_SECONDS, queue.remainingCapacity() + queue.size());
                    reported = d;
                }
                reportedAt = now;
            }
        }
    }

    /** Writes what is queued, then stops the writer (bounded: 5 s). */
    @Override
    public void close() {
        closed = true;
        try {
            writer.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (writer.isAlive()) {
            writer.interrupt();
        }
    }

    /**
     * One request: watches its exchange, then holds what the line says (the exchange is let go at completion).
     * Fields are written on the event loop before the entry is queued and read by the writer after.
     */
    static final class Entry implements Consumer<Throwable> {
        private final AccessLog log;
        private ServerExchange exchange;
        private long epochMillis;
        private long durationNanos;
        private InetSocketAddress client;
        private String server;
        private String method;
        private String path;
        private int status;
        private long bytesIn;
        private long bytesOut;
        private String upstream;
        private String pipeline;
        private boolean aborted;

        Entry(AccessLog log, ServerExchange exchange) {
            this.log = log;
            this.exchange = exchange;
        }

        @Override
        public void accept(Throwable failure) {
            ServerExchange x = exchange;
            exchange = null;
            durationNanos = System.nanoTime() - x.startNanos();
            epochMillis = System.currentTimeMillis();
            client = x.remoteAddress();
            server = x.server();
            method = x.request().method();
            path = x.request().path();
            status = x.response() == null ? 500 : x.response().status();
            bytesIn = x.bytesReceived();
            bytesOut = x.bytesSent();
            upstream = x.upstreamAddress();
            pipeline = x.pipeline();
            aborted = failure != null;
            log.offer(this);
        }

        void write(JsonFactory json, StringWriter out) throws IOException {
            try (JsonGenerator g = json.createGenerator(out)) {
                g.writeStartObject();
                g.writeStringField("time", Instant.ofEpochMilli(epochMillis).toString());
                g.writeStringField("client", client == null ? null : client.getAddress().getHostAddress());
                g.writeStringField("server", server);
                g.writeStringField("method", method);
                g.writeStringField("path", path);
                g.writeNumberField("status", status);
                g.writeNumberField("bytesIn", bytesIn);
                g.writeNumberField("bytesOut", bytesOut);
                g.writeNumberField("durationMs", durationNanos / 1000 / 1000.0);
                g.writeStringField("upstream", upstream);
                g.writeStringField("pipeline", pipeline);
                if (aborted) {
                    g.writeBooleanField("aborted", true);
                }
                g.writeEndObject();
            }
        }
    }
}
