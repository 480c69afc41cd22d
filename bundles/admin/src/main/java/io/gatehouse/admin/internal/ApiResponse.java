package io.gatehouse.admin.internal;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/**
 * What an endpoint answers: a status, an optional body tree and extra headers. {@code documents} marks a body
 * that is a list of configuration objects, written as a multi-document stream when the client wants YAML.
 */
record ApiResponse(int status, JsonNode body, boolean documents, Map<String, String> headers) {

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
