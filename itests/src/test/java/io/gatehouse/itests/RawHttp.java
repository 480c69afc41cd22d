package io.gatehouse.itests;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** Exact request bytes over a plain socket (for targets an HTTP client would rewrite); every read has a timeout. */
public final class RawHttp {
    private RawHttp() {
    }

    /** Sends {@code request} and returns everything the server sends until it closes the connection. */
    public static String exchange(int port, String request) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(10_000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            return readUntilClosed(s.getInputStream());
        }
    }

    static String readUntilClosed(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        in.transferTo(out);
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    /** The status code of a raw response. */
    public static int status(String response) {
        return Integer.parseInt(response.substring(9, 12));
    }

    /** The body of a raw response (after the blank line). */
    public static String body(String response) {
        int end = response.indexOf("\r\n\r\n");
        return end < 0 ? "" : response.substring(end + 4);
    }
}
