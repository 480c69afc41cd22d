package io.gatehouse.admin.internal;

import io.gatehouse.api.config.ConfigException;
import io.gatehouse.api.config.ConfigFormat;
import io.gatehouse.api.config.Units;
import java.time.Duration;
import java.util.Map;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.util.Fields;

/**
 * A routed request as endpoints see it: the path parameters of the matched route, the query, and the body
 * (already read within the size limit) with the format it is written in.
 *
 * @param params path parameters by name, such as {@code kind} and {@code name}
 * @param query  decoded query parameters
 * @param body   the request body, empty for methods without one
 * @param format the body's format (declared by Content-Type or sniffed)
 * @param headers the request's header fields
 * @param target  the path and query exactly as received (for signatures)
 * @param caller  who sent it ({@link Caller#ANONYMOUS} on an open route, {@link Caller#CLUSTER} on a signed one)
 */
record ApiRequest(Map<String, String> params, Fields query, byte[] body, ConfigFormat format, HttpFields headers,
                  String target, Caller caller) {

    String param(String name) {
        return params.get(name);
    }

    String query(String name) {
        return query.getValue(name);
    }

    /**
     * The {@code timeout} query parameter within [{@code min}, {@code max}], or {@code otherwise} when absent.
     *
     * @throws ApiException 400 naming the parameter when it is not a duration in that range
     */
    Duration timeout(Duration otherwise, Duration min, Duration max) {
        String t = query("timeout");
        if (t == null) {
            return otherwise;
        }
        try {
            return Units.duration(t, min, max);
        } catch (IllegalArgumentException e) {
            throw new ApiException(400, ConfigException.INVALID, "query parameter 'timeout': " + e.getMessage());
        }
    }
}
