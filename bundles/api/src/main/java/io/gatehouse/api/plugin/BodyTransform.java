package io.gatehouse.api.plugin;

import java.nio.ByteBuffer;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A streaming transformation of a request or response body ({@link Exchange#transformRequestBody},
 * {@link HttpResponse#transformBody}): the body passes through it piece by piece, in order, on the exchange's
 * event loop, and what it returns is sent on. One instance transforms one body; it may keep state between
 * pieces (a compressor, a parser that waits for a delimiter) and must keep no more than a bounded amount.
 *
 * <h2>Buffers: one owner at a time</h2>
 * <ul>
 *   <li>The {@code piece} handed in is the gateway's: a read-only view that is valid only during the call.
 *   Copy what must outlive the call.</li>
 *   <li>The buffer returned becomes the gateway's, from its position to its limit: the transformation must not
 *   read or change it afterwards. Return {@code null} (or an empty buffer) to send nothing for this piece.
 *   Returning the piece itself is allowed (the gateway then sends it unchanged).</li>
 * </ul>
 *
 * <h2>Failure</h2>
 * A transformation that throws fails the exchange: before the response is committed the client gets a 500
 * JSON error; after it (a streamed response body), the connection is closed, as for a broken upstream. The
 * error is logged with the pipeline's name.
 */
@ConsumerType
public interface BodyTransform {

    /** Transforms the next piece of the body; see the class contract for who owns which buffer. */
    ByteBuffer piece(ByteBuffer piece) throws Exception;

    /** The body is over: returns what remains to be sent (or {@code null} for nothing). Called once. */
    default ByteBuffer end() throws Exception {
        return null;
    }
}
