package io.gatehouse.plugin.mock.internal;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code mock} spec (see docs/configuration.md): a fixed response, or an echo of the request.
 * Header order is kept as written.
 */
public record MockSpec(@JsonProperty("status") Integer status,
                       @JsonProperty("headers") Map<String, String> headers,
                       @JsonProperty("body") String body,
                       @JsonProperty("echo") Boolean echo) {

    public static final int DEFAULT_STATUS = 200;

    public MockSpec {
        status = status == null ? DEFAULT_STATUS : status;
        headers = headers == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(headers));
        echo = echo != null && echo;
    }
}
