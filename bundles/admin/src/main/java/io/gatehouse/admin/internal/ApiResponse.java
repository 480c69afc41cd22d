package io.gatehouse.admin.internal;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/**
 * What an endpoint answers: a status, an optional body tree and extra headers. {@code documents} marks a body
 * that is a list of configuration objects, written as a multi-document stream when the client wants YAML.
 * {@code raw} is a body written as is, with its content type {@code rawType}, instead of {@code body}.
 */
record ApiResponse(int status, JsonNode body, boolean documents, Map<String, String> headers, byte[] raw,
                   String rawType) {

    ApiResponse(int status, JsonNode body, boolean documents, Map<String, String> headers) {
        this(status, body, documents, headers, null, null);
    }

    /** Bytes written as they are (a forwarded write's answer, which this node does not read). */
    static ApiResponse raw(int status, String contentType, byte[] bytes) {
        return new ApiResponse(status, null, false, Map.of(), bytes, contentType);
    }

    static ApiResponse ok(JsonNode body) {
        return new ApiResponse(200, body, false, Map.of());
    }

    static ApiResponse objects(int status, JsonNode array, Map<String, String> headers) {
        return new ApiResponse(status, array, true, headers);
    }

    static ApiResponse noContent() {
        return new ApiResponse(204, null, false, Map.of());
    }
}
