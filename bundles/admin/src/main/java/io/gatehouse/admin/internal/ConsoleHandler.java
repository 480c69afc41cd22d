package io.gatehouse.admin.internal;

import io.gatehouse.api.config.Violation;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The web console's static files under {@value #PREFIX} (docs/operations.md, "Web console"): plain ES modules,
 * a stylesheet and uPlot (unpacked from its webjar at build time), all read from this bundle. They hold no
 * data and are the same on every installation, so they are served without a token; every datum the console
 * shows comes from the admin API with the bearer token the user gives on its login page, which stays in the
 * tab's session storage.
 *
 * <p>Only GET and HEAD, only names of letters, digits, dots, dashes and underscores (no dot segment, no
 * hidden file) and only the known file types are served; anything else is the API's JSON 404. Every answer
 * carries a strict Content-Security-Policy (scripts, styles and connections to this origin only, no framing)
 * and an ETag; the files are revalidated on each load ({@code no-cache}), so a bundle update shows at once.
 * Paths outside the console return false: the admin API's handler answers them.
 */
final class ConsoleHandler extends Handler.Abstract {
    static final String PREFIX = "/console/";
    /** Where the files are in the bundle (a resource folder beside this package). */
    private static final String ROOT = "/io/gatehouse/admin/console/";
    static final String POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
            + " connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]*");
    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html; charset=utf-8",
            "js", "text/javascript; charset=utf-8",
            "css", "text/css; charset=utf-8",
            "svg", "image/svg+xml",
            "png", "image/png",
            "ico", "image/x-icon",
            "txt", "text/plain; charset=utf-8",
            "", "text/plain; charset=utf-8");

    /** A file with its type and entity tag. */
    private record File(byte[] bytes, String type, String etag) {
    }

    private final Rendering rendering;
    /** Files read so far; bounded by the files the bundle holds (a missing file is never kept). */
    private final Map<String, File> files = new ConcurrentHashMap<>();

    ConsoleHandler(Rendering rendering) {
        this.rendering = rendering;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        String path = request.getHttpURI().getCanonicalPath();
        if (path == null) {
            return false;
        }
        if (path.equals("/") || path.equals("/console")) {
            response.setStatus(302);
            response.getHeaders().put(HttpHeader.LOCATION, PREFIX);
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, 0);
            callback.succeeded();
            return true;
        }
        if (!path.startsWith(PREFIX)) {
            return false;
        }
        String method = request.getMethod();
        if (!method.equals("GET") && !method.equals("HEAD")) {
            response.getHeaders().put(HttpHeader.ALLOW, "GET, HEAD");
            error(response, callback, 405, "method_not_allowed", method + " is not allowed on the console: use GET");
            return true;
        }
        String name = path.substring(PREFIX.length());
        Optional<File> file = file(name.isEmpty() ? "index.html" : name);
        if (file.isEmpty()) {
            error(response, callback, 404, "not_found", "no such console file: " + path);
            return true;
        }
        File f = file.get();
        response.getHeaders().put("Content-Security-Policy", POLICY);
        response.getHeaders().put("X-Content-Type-Options", "nosniff");
        response.getHeaders().put("Referrer-Policy", "no-referrer");
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
        response.getHeaders().put(HttpHeader.ETAG, f.etag());
        if (f.etag().equals(request.getHeaders().get(HttpHeader.IF_NONE_MATCH))) {
            response.setStatus(304);
            callback.succeeded();
            return true;
        }
        response.setStatus(200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, f.type());
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, f.bytes().length);
        if (method.equals("HEAD")) {
            callback.succeeded();
        } else {
            response.write(true, ByteBuffer.wrap(f.bytes()), callback);
        }
        return true;
    }

    /** The console file at {@code name} (relative to {@value #PREFIX}), when the name is allowed and it exists. */
    Optional<File> file(String name) {
        String[] segments = name.split("/", -1);
        for (String s : segments) {
            if (!SEGMENT.matcher(s).matches()) {
                return Optional.empty();
            }
        }
        String last = segments[segments.length - 1];
        int dot = last.lastIndexOf('.');
        String type = TYPES.get(dot < 0 ? "" : last.substring(dot + 1).toLowerCase(Locale.ROOT));
        if (type == null) {
            return Optional.empty();
        }
        File known = files.get(name);
        if (known != null) {
            return Optional.of(known);
        }
        byte[] bytes = read(ROOT + name);
        if (bytes == null) {
            return Optional.empty();
        }
        File loaded = new File(bytes, type, etag(bytes));
        files.put(name, loaded);
        return Optional.of(loaded);
    }

    private static byte[] read(String resource) {
        try (InputStream in = ConsoleHandler.class.getResourceAsStream(resource)) {
            return in == null ? null : in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String etag(byte[] bytes) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
            return "\"" + HexFormat.of().formatHex(digest, 0, 12) + "\"";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from the JDK", e);
        }
    }

    private void error(Response response, Callback callback, int status, String code, String message) {
        byte[] body = rendering.json(rendering.error(status, code, message, List.<Violation>of()));
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, MediaTypes.JSON);
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        response.write(true, ByteBuffer.wrap(body), callback);
    }
}
