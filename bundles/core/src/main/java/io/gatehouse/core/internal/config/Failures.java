package io.gatehouse.core.internal.config;

import io.gatehouse.api.cluster.ConsensusException;
import io.gatehouse.api.config.ConfigException;
import io.gatehouse.api.config.Units;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** How failures on the write path become the {@link ConfigException} a client gets. */
final class Failures {
    private Failures() {
    }

    /** 504: the deadline passed first; the write may still commit. */
    static ConfigException timeout(Duration timeout) {
        return new ConfigException(504, ConfigException.TIMEOUT, "not committed within " + Units.format(timeout)
                + "; the write may still commit: retry with the same Idempotency-Key", List.of());
    }

    static ConfigException unavailable(String message) {
        return new ConfigException(503, ConfigException.UNAVAILABLE, message, List.of());
    }

    /** Maps any failure of planning, committing or forwarding. */
    static ConfigException of(Throwable failure, Duration timeout) {
        Throwable t = failure;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof ConfigException e) {
            return e;
        }
        if (t instanceof ConsensusException e) {
            if (e.reason() == ConsensusException.Reason.TIMEOUT) {
                return timeout(timeout);
            }
            String reason = e.reason().name().toLowerCase(Locale.ROOT).replace('_', ' ');
            return new ConfigException(503, ConfigException.UNAVAILABLE, "the write cannot be committed now ("
                    + reason + (e.leader() == null ? "" : ", leader " + e.leader()) + "): " + e.getMessage(), e);
        }
        if (t instanceof IOException) {
            return new ConfigException(503, ConfigException.UNAVAILABLE,
                    "the change could not be written to the operation log: " + t.getMessage(), t);
        }
        return new ConfigException(500, ConfigException.UNAVAILABLE, "internal error: " + t, t);
    }
}
