package io.gatehouse.dataplane.internal.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** A raw socket HTTP/1.x client for framing tests: sends exact bytes, parses responses itself. */
final class RawClient implements AutoCloseable {

    record Response(String statusLine, int status, List<Map.Entry<String, String>> headers, byte[] body) {
        String header(String name) {
            for (Map.Entry<String, String> e : headers) {
                if (e.getKey().equalsIgnoreCase(name)) {
                    return e.getValue();
                }
            }
            return null;
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    RawClient(int port) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
        socket.setSoTimeout(5000);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    RawClient send(String s) throws IOException {
        return send(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    RawClient send(byte[] b) throws IOException {
        out.write(b);
        out.flush();
        return this;
    }

    Response read() throws IOException {
        return read(false);
    }

    Response read(boolean headRequest) throws IOException {
        String statusLine = line();
        if (statusLine == null) {
            throw new IOException("connection closed before a response");
        }
        int status = Integer.parseInt(statusLine.split(" ")[1]);
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        String l;
        while ((l = line()) != null && !l.isEmpty()) {
            int colon = l.indexOf(':');
            headers.add(Map.entry(l.substring(0, colon).trim(), l.substring(colon + 1).trim()));
        }
        Response head = new Response(statusLine, status, headers, new byte[0]);
        if (headRequest || status == 204 || status == 304 || status < 200) {
            return head;
        }
        String te = head.header("Transfer-Encoding");
        String cl = head.header("Content-Length");
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (te != null && te.toLowerCase(Locale.ROOT).contains("chunked")) {
            while (true) {
                String sizeLine = line();
                int size = Integer.parseInt(sizeLine.split(";")[0].trim(), 16);
                if (size == 0) {
                    while (!line().isEmpty()) {
                        // trailers
                    }
                    break;
                }
                body.write(exactly(size));
                line();
            }
        } else if (cl != null) {
            body.write(exactly(Integer.parseInt(cl)));
        } else {
            in.transferTo(body);
        }
        return new Response(statusLine, status, headers, body.toByteArray());
    }

    /** Sets the read timeout of the socket. */
    RawClient soTimeout(int millis) throws IOException {
        socket.setSoTimeout(millis);
        return this;
    }

    /** Reads whatever arrives until the server closes the connection (EOF or reset) or the timeout. */
    byte[] readUntilClosed() throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        try {
            int n;
            while ((n = in.read(buf)) != -1) {
                all.write(buf, 0, n);
            }
        } catch (SocketTimeoutException e) {
            throw e;
        } catch (IOException e) {
            // reset: closed as well
        }
        return all.toByteArray();
    }

    /** True when the server closed the connection (EOF or reset) within the socket timeout. */
    boolean closedByServer() throws IOException {
        try {
            return in.read() == -1;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    private byte[] exactly(int n) throws IOException {
        byte[] b = in.readNBytes(n);
        if (b.length != n) {
            throw new IOException("short body: " + b.length + " of " + n);
        }
        return b;
    }

    private String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                byte[] bytes = b.toByteArray();
                int len = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, len, StandardCharsets.ISO_8859_1);
            }
            b.write(c);
        }
        return b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
