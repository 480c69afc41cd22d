package io.gatehouse.admin.internal;

import io.gatehouse.api.config.ConfigException;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What a write request asks for besides its body: the request id ({@code Idempotency-Key} header, so that a
 * retry is applied once), the deadline ({@code ?timeout=}, 100ms..60s, default 10s) and the group whose
 * configuration to change ({@code ?group=}, default this node's).
 *
 * @param requestId the Idempotency-Key, or null (the core makes one up)
 * @param group     the group, or null
 * @param timeout   how long the client waits for the write to be committed and applied on this node
 */
record WriteOptions(String requestId, String group, Duration timeout) {
    static final String IDEMPOTENCY_KEY = "Idempotency-Key";
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    static final Duration MIN_TIMEOUT = Duration.ofMillis(100);
    static final Duration MAX_TIMEOUT = Duration.ofSeconds(60);
    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");

    /** Reads and checks the options of a write (400 naming the header or parameter at fault). */
    static WriteOptions of(ApiRequest request) {
        List<String> keys = request.headers().getValuesList(IDEMPOTENCY_KEY);
        String key = null;
        if (keys.size() > 1) {
            throw new ApiException(400, ConfigException.INVALID, "the request has " + keys.size() + " "
                    + IDEMPOTENCY_KEY + " headers: send one");
        }
        if (keys.size() == 1) {
            key = keys.get(0).trim();
            if (!KEY.matcher(key).matches()) {
                throw new ApiException(400, ConfigException.INVALID, "header " + IDEMPOTENCY_KEY + " must be 1 to 128"
                        + " characters of A-Z, a-z, 0-9, '.', '_', ':' and '-'");
            }
        }
        Duration timeout = request.timeout(DEFAULT_TIMEOUT, MIN_TIMEOUT, MAX_TIMEOUT);
        String group = request.query("group");
        if (group != null && !NAME.matcher(group).matches()) {
            throw new ApiException(400, ConfigException.INVALID, "query parameter 'group' must match "
                    + NAME.pattern());
        }
        return new WriteOptions(key, group, timeout);
    }
}
