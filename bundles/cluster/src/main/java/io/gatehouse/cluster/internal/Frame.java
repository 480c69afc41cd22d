package io.gatehouse.cluster.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * An answer on the wire: status, responder, the responder's Lamport clock, a body (the handler's answer, or
 * an error message) and an HMAC that covers the request's HMAC too, so that an answer cannot be replayed for
 * another request.
 *
 * @param status    0 for success, else {@code reason.ordinal() + 1}
 * @param responder the answering node
 * @param lamport   its clock when it answered
 * @param body      answer or error message (UTF-8)
 * @param mac       HMAC, empty when unsigned
 */
record Frame(int status, String responder, long lamport, byte[] body, byte[] mac) {
    static final int OK = 0;

    static byte[] signed(ClusterSecret secret, byte[] requestMac, int status, String responder, long lamport,
                         byte[] body) {
        byte[] mac = secret.mac(parts(requestMac, status, responder, lamport, body));
        return new Frame(status, responder, lamport, body, mac).encode();
    }

    static byte[] error(ClusterSecret secret, byte[] requestMac, MessagingException.Reason reason, String responder,
                        long lamport, String message) {
        return signed(secret, requestMac, reason.ordinal() + 1, responder, lamport,
                message.getBytes(StandardCharsets.UTF_8));
    }

    /** An answer from a member whose messaging is not running: nothing to sign it with. */
    static byte[] unsigned(MessagingException.Reason reason, String message) {
        return new Frame(reason.ordinal() + 1, "", 0, message.getBytes(StandardCharsets.UTF_8), new byte[0]).encode();
    }

    boolean verify(ClusterSecret secret, byte[] requestMac) {
        return secret.verify(mac, parts(requestMac, status, responder, lamport, body));
    }

    MessagingException.Reason reason() {
        MessagingException.Reason[] all = MessagingException.Reason.values();
        return status >= 1 && status <= all.length ? all[status - 1] : MessagingException.Reason.HANDLER_FAILED;
    }

    String message() {
        return new String(body, StandardCharsets.UTF_8);
    }

    private static byte[][] parts(byte[] requestMac, int status, String responder, long lamport, byte[] body) {
        return new byte[][] {requestMac == null ? new byte[0] : requestMac,
            ByteBuffer.allocate(12).putInt(status).putLong(lamport).array(),
            responder.getBytes(StandardCharsets.UTF_8), body};
    }

    byte[] encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(body.length + mac.length + 64);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(1);
            out.writeInt(status);
            out.writeUTF(responder);
            out.writeLong(lamport);
            out.writeInt(body.length);
            out.write(body);
            out.writeInt(mac.length);
            out.write(mac);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static Frame decode(byte[] bytes) throws IOException {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            if (in.readByte() != 1) {
                throw new IOException("unknown answer format");
            }
            int status = in.readInt();
            String responder = in.readUTF();
            long lamport = in.readLong();
            byte[] body = in.readNBytes(length(in, bytes.length));
            byte[] mac = in.readNBytes(length(in, bytes.length));
            return new Frame(status, responder, lamport, body, mac);
        }
    }

    private static int length(DataInputStream in, int max) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > max) {
            throw new IOException("corrupt answer");
        }
        return n;
    }
}
