package io.gatehouse.admin.internal;

import java.nio.ByteBuffer;
import java.util.List;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Renders the errors Jetty raises before or outside the API handler (malformed request line, header block too
 * large, ambiguous URI, idle timeout) in the API's JSON error shape instead of Jetty's HTML page, whatever the
 * method (a PUT or DELETE to an ambiguous URI too).
 */
final class JsonErrorHandler extends ErrorHandler {
    private final Rendering rendering;

    JsonErrorHandler(Rendering rendering) {
        this.rendering = rendering;
    }

    /** Every method gets the JSON body (Jetty's default writes one only for GET, POST and HEAD). */
    @Override
    public boolean errorPageForMethod(String method) {
        return true;
    }

    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
                                    Callback callback) {
        byte[] body = body(code, message);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, MediaTypes.JSON);
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        response.write(true, ByteBuffer.wrap(body), callback);
    }

    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        fields.put(HttpHeader.CONTENT_TYPE, MediaTypes.JSON);
        return ByteBuffer.wrap(body(status, reason));
    }

    private byte[] body(int status, String message) {
        String text = message == null || message.isBlank() ? "HTTP " + status : message;
        return rendering.json(rendering.error(status, Rendering.codeFor(status), text, List.of()));
    }
}
