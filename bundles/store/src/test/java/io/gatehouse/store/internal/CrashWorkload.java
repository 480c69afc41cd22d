package io.gatehouse.store.internal;

import io.gatehouse.api.log.Change;
import io.gatehouse.api.log.LogEntry;
import io.gatehouse.api.log.Operation;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The deterministic write sequence of the crash test: what the entry at each index is, and what the
 * object state after each index is, so that the checker knows the exact bytes every acknowledged entry
 * and snapshot must have without talking to the writer.
 *
 * <p>Like the admin API loop of the original report: PUTs of new pipelines with a DELETE in between, so
 * that rows are constantly created and removed and the state stays bounded ({@link #WINDOW} objects
 * are deleted again {@code 2 * WINDOW + 1} indices after their creation).
 */
final class CrashWorkload {

    static final String KIND = "Pipeline";

    /** How many of the odd-indexed objects are alive at once. */
    static final int WINDOW = 150;

    private CrashWorkload() {
    }

    /** The change the writer appends at {@code index} (one per entry). */
    static Change entry(long index) {
        long deletes = deletedBy(index);
        if (deletes > 0) {
            return new Change(Operation.DELETE, KIND, name(deletes), new byte[0]);
        }
        return new Change(Operation.PUT, KIND, name(index), payload(index));
    }

    /** The request id of the entry at {@code index}. */
    static String requestId(long index) {
        return "write-" + index;
    }

    /** True when {@code stored} is exactly what the writer appended at its index. */
    static boolean matches(LogEntry stored) {
        return stored.intact() && stored.epoch() == 1 && stored.requestId().equals(requestId(stored.index()))
                && stored.changes().equals(List.of(entry(stored.index())));
    }

    /** The index of the object the entry at {@code index} deletes, or 0 when it is a PUT. */
    private static long deletedBy(long index) {
        return index % 2 == 0 && index > 2L * WINDOW ? index - 2L * WINDOW - 1 : 0;
    }

    private static boolean aliveAfter(long object, long index) {
        if (object > index || deletedBy(object) > 0) {
            return false;
        }
        // Odd objects are deleted 2 * WINDOW + 1 entries later; even ones at the start never are.
        return object % 2 == 0 || object + 2L * WINDOW + 1 > index;
    }

    static String name(long index) {
        return "p" + index;
    }

    /** A pipeline-sized JSON payload whose length (80 to ~1100 bytes) and content depend on the index. */
    static byte[] payload(long index) {
        long h = index * 0x9E3779B97F4A7C15L;
        int filler = 80 + (int) ((h >>> 40) % 1000);
        StringBuilder b = new StringBuilder(filler + 64);
        b.append("{\"name\":\"").append(name(index)).append("\",\"spec\":{\"filler\":\"");
        for (int i = 0; i < filler; i++) {
            b.append((char) ('a' + (int) ((h >>> (i % 50)) + i) % 26));
        }
        return b.append("\"}}").toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The object state after applying every entry up to {@code index}: the live objects' payloads in order. */
    static byte[] stateAt(long index) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long from = Math.max(1, index - 2L * WINDOW - 1);
        for (long o = 1; o <= index; o = o < 2L * WINDOW || o >= from ? o + 1 : from) {
            if (aliveAfter(o, index)) {
                out.writeBytes(payload(o));
                out.write('\n');
            }
        }
        return out.toByteArray();
    }
}
