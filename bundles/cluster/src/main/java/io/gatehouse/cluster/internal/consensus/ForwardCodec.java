package io.gatehouse.cluster.internal.consensus;

import io.gatehouse.api.cluster.ConsensusException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;

/**
 * The bytes of {@code write.forward}: a request is {@code timeoutMillis (long) + the core's request bytes};
 * an answer is {@code 0 + the core's answer bytes}, or {@code 1 + reason + leader + message} for a refusal
 * (a {@link ConsensusException} on the leader's side).
 */
final class ForwardCodec {
    private static final byte OK = 0;
    private static final byte REFUSED = 1;

    private ForwardCodec() {
    }

    record Request(long timeoutMillis, byte[] body) {
    }

    static byte[] request(long timeoutMillis, byte[] body) {
        byte[] out = new byte[8 + body.length];
        for (int i = 0; i < 8; i++) {
            out[i] = (byte) (timeoutMillis >>> (56 - 8 * i));
        }
        System.arraycopy(body, 0, out, 8, body.length);
        return out;
    }

    static Request request(byte[] bytes) {
        if (bytes.length < 8) {
            throw new IllegalArgumentException("forwarded request too short: " + bytes.length + " bytes");
        }
        long t = 0;
        for (int i = 0; i < 8; i++) {
            t = t << 8 | bytes[i] & 0xff;
        }
        return new Request(t, Arrays.copyOfRange(bytes, 8, bytes.length));
    }

    static byte[] ok(byte[] answer) {
        byte[] out = new byte[1 + answer.length];
        out[0] = OK;
        System.arraycopy(answer, 0, out, 1, answer.length);
        return out;
    }

    static byte[] refused(ConsensusException.Reason reason, String leader, String message) {
        try {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(b);
            out.writeByte(REFUSED);
            out.writeUTF(reason.name());
            out.writeUTF(leader == null ? "" : leader);
            out.writeUTF(message == null ? "" : message);
            out.flush();
            return b.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The core's answer bytes, or throws the leader's refusal. */
    static byte[] answer(byte[] bytes) {
        if (bytes.length == 0) {
            throw new IllegalArgumentException("empty forward answer");
        }
        if (bytes[0] == OK) {
            return Arrays.copyOfRange(bytes, 1, bytes.length);
        }
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes, 1, bytes.length - 1));
            ConsensusException.Reason reason = ConsensusException.Reason.parse(in.readUTF(),
                    ConsensusException.Reason.NO_MAJORITY);
            String leader = in.readUTF();
            String message = in.readUTF();
            throw new ConsensusException(reason, message, leader.isEmpty() ? null : leader);
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("unreadable forward answer: " + e.getMessage(), e);
        }
    }
}
