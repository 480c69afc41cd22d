package io.gatehouse.admin.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * {@code GET /api/v1/openapi.json}: the OpenAPI 3 document of the whole admin API, kept beside this class
 * ({@code openapi.json}); a unit test fails when the document and the route table differ in either direction
 * (a path, a method or a query parameter).
 */
final class OpenApiEndpoint {
    static final String PATH = "/api/v1/openapi.json";
    static final String RESOURCE = "openapi.json";

    private final byte[] document;

    OpenApiEndpoint() {
        this.document = document();
    }

    /** The document's bytes, from the bundle. */
    static byte[] document() {
        try (InputStream in = OpenApiEndpoint.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the admin bundle");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void register(Router router) {
        router.get(PATH, request -> ApiResponse.raw(200, MediaTypes.JSON, document));
    }
}
