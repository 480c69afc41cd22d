package io.gatehouse.core.internal.stats;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonGenerator;
import io.gatehouse.core.internal.engine.PipelineRunner;
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
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The access log (docs/operations.md, "Logs"): one JSON line per request, written by one thread of its own
 * through the logger {@value #LOGGER} (Karaf's logging sends it to {@code data/log/access.log}, rolled). The
 * event loop only fills the exchange's {@link Entry} when the exchange completes and offers it to a bounded
 * queue; when the queue is full the entry is dropped and counted, never waited for. Drops are reported in the
 * node's log at most every {@value #DROP_REPORT_SECONDS} seconds. The writer hands the logger the lines it found
 * waiting together, as one message of up to {@value #BATCH} lines: under load one logging call (and one write)
 * carries many requests, since a call through Pax Logging costs more than formatting a line. The writer polls
 * the queue every {@code IDLE_NANOS} when it is empty rather than waiting on it, so that no event loop ever
 * wakes a thread (measured: waking the writer per request doubled the CPU per request).
 */
public final class AccessLog implements AutoCloseable {
    public static final String LOGGER = "gatehouse.access";
    static final int DROP_REPORT_SECONDS = 10;
    /** At most this many lines are written by one logging call. */
    static final int BATCH = 256;
    /** How long the writer sleeps when it found nothing to write: the most a line waits in a quiet second. */
    static final long IDLE_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
    private static final Logger LOG = LoggerFactory.getLogger(AccessLog.class);

    private final BlockingQueue<Entry> queue;
    private final int capacity;
    private final LongAdder dropped = new LongAdder();
    private final Consumer<String> sink;
    private final Thread writer;
    private final JsonFactory json = new JsonFactoryBuilder().rootValueSeparator("").build();
    /** The writer's: formats times, reusing the text of the current second. */
    private final Clock clock = new Clock();
    private volatile boolean closed;

    /**
     * A log writing each line to {@code sink} (the access logger, or a test's list).
     *
     * @param capacity entries that may wait for the writer
     */
    public AccessLog(int capacity, Consumer<String> sink) {
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.capacity = capacity;
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

    /**
     * Watches an exchange and logs it when it completes. Event loop; one small object per request. Answers the
     * entry, which takes the plugin results other than success as the pipeline runs.
     */
    public Entry watch(ServerExchange exchange) {
        Entry entry = new Entry(this, exchange);
        exchange.onComplete(entry);
        return entry;
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
        StringWriter text = new StringWriter(64 * 1024);
        List<Entry> batch = new ArrayList<>(BATCH);
        long reported = 0;
        long reportedAt = System.nanoTime();
        while (true) {
            // the writer polls instead of waiting on the queue: an event loop that offers an entry never has a
            // thread to wake (a wake-up per request cost more than the rest of the log together)
            if (queue.drainTo(batch, BATCH) == 0) {
                if (closed) {
                    break;
                }
                LockSupport.parkNanos(IDLE_NANOS);
            } else {
                try {
                    // one logging call per batch: the lines that waited together share one log event and one write
                    text.getBuffer().setLength(0);
                    try (JsonGenerator g = json.createGenerator(text)) {
                        for (int i = 0; i < batch.size(); i++) {
                            if (i > 0) {
                                g.writeRaw('\n');
                            }
                            batch.get(i).write(g, clock);
                        }
                    }
                    sink.accept(text.toString());
                } catch (IOException | RuntimeException e) {
                    LOG.warn("Access log lines could not be written", e);
                } finally {
                    batch.clear();
                }
            }
            long now = System.nanoTime();
            if (now - reportedAt >= TimeUnit.SECONDS.toNanos(DROP_REPORT_SECONDS)) {
                long d = dropped.sum();
                if (d > reported) {
                    LOG.warn("The access log dropped {} entries in the last {} s: its queue ({} entries) was full",
                            d - reported, DROP_REPORT_SECONDS, capacity);
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
        LockSupport.unpark(writer);
        try {
            writer.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (writer.isAlive()) {
            writer.interrupt();
        }
    }

    /** ISO-8601 UTC times to the millisecond; the second's text is made once per second (writer thread only). */
    static final class Clock {
        private long second = Long.MIN_VALUE;
        private String prefix;
        private final StringBuilder b = new StringBuilder(24);

        String format(long epochMillis) {
            long s = Math.floorDiv(epochMillis, 1000);
            if (s != second) {
                second = s;
                String full = Instant.ofEpochSecond(s).toString(); // 2026-12-04T15:40:01Z
                prefix = full.substring(0, full.length() - 1);
            }
            int ms = (int) Math.floorMod(epochMillis, 1000);
            b.setLength(0);
            b.append(prefix).append('.');
            if (ms < 100) {
                b.append('0');
            }
            if (ms < 10) {
                b.append('0');
            }
            return b.append(ms).append('Z').toString();
        }
    }

    /**
     * One request: watches its exchange, then holds what the line says (the exchange is let go at completion).
     * Fields are written on the event loop before the entry is queued and read by the writer after.
     */
    public static final class Entry implements Consumer<Throwable>, PipelineRunner.Results {
        /** At most this many results per line (a pipeline of many failing plugins stays one bounded line). */
        static final int MAX_RESULTS = 16;

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
        private int attempts;
        private long upstreamNanos;
        /** Plugin and result, in turn; null until a plugin completes with something other than success. */
        private String[] results;
        private int resultCount;

        Entry(AccessLog log, ServerExchange exchange) {
            this.log = log;
            this.exchange = exchange;
        }

        @Override
        public void result(String plugin, String result) {
            if (exchange == null) {
                // the line is queued (the exchange ended, for example the client went away): it is not changed
                return;
            }
            for (int i = 0; i < resultCount; i++) {
                if (results[i * 2].equals(plugin)) {
                    // a plugin run again (a wrapper that proceeds twice): one key per plugin, its last result
                    results[i * 2 + 1] = result;
                    return;
                }
            }
            if (results == null) {
                results = new String[4];
            } else if (resultCount * 2 == results.length) {
                if (resultCount == MAX_RESULTS) {
                    return;
                }
                results = java.util.Arrays.copyOf(results, results.length * 2);
            }
            results[resultCount * 2] = plugin;
            results[resultCount * 2 + 1] = result;
            resultCount++;
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
            for (int i = 0, n = x.attemptCount(); i < n; i++) {
                if (UpstreamRecorder.call(x.attemptAt(i))) {
                    attempts++;
                }
            }
            upstreamNanos = attempts == 0 ? 0 : UpstreamRecorder.upstreamNanos(x, System.nanoTime());
            log.offer(this);
        }

        /** Writes the line's JSON object with {@code g} (shared by the lines of a batch). */
        void write(JsonGenerator g, Clock clock) throws IOException {
            g.writeStartObject();
            g.writeFieldName("time");
            g.writeString(clock.format(epochMillis));
            g.writeStringField("client", client == null ? null : client.getAddress().getHostAddress());
            g.writeStringField("server", server);
            g.writeStringField("method", method);
            g.writeStringField("path", path);
            g.writeNumberField("status", status);
            g.writeNumberField("bytesIn", bytesIn);
            g.writeNumberField("bytesOut", bytesOut);
            g.writeNumberField("durationMs", durationNanos / 1000 / 1000.0);
            g.writeStringField("upstream", upstream);
            if (attempts > 0) {
                g.writeNumberField("attempts", attempts);
                g.writeNumberField("upstreamMs", upstreamNanos / 1000 / 1000.0);
            }
            g.writeStringField("pipeline", pipeline);
            if (resultCount > 0) {
                g.writeObjectFieldStart("results");
                for (int i = 0; i < resultCount; i++) {
                    g.writeStringField(results[i * 2], results[i * 2 + 1]);
                }
                g.writeEndObject();
            }
            if (aborted) {
                g.writeBooleanField("aborted", true);
            }
            g.writeEndObject();
        }
    }
}
