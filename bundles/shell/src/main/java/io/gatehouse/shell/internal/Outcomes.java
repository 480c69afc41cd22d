package io.gatehouse.shell.internal;

import io.gatehouse.api.config.ConfigException;
import io.gatehouse.api.config.Violation;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Waits for a write's outcome and turns a refusal into the message the shell prints. */
final class Outcomes {
    /** How long past the write's own deadline the command waits for the answer. */
    private static final Duration GRACE = Duration.ofSeconds(2);

    private Outcomes() {
    }

    /**
     * The write's result, waited for at most {@code timeout} and a grace.
     *
     * @throws IllegalStateException with the refusal: status, message and each violation's path
     */
    static <T> T await(CompletableFuture<T> write, Duration timeout) throws InterruptedException {
        try {
            return write.get(timeout.plus(GRACE).toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw refused(e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("not committed within " + timeout.toSeconds() + " s; the write may still"
                    + " commit (look again with gatehouse:object-list)");
        }
    }

    static RuntimeException refused(Throwable cause) {
        if (cause instanceof ConfigException c) {
            StringBuilder b = new StringBuilder("refused (").append(c.status()).append(' ').append(c.code())
                    .append("): ").append(c.getMessage());
            for (Violation v : c.violations()) {
                b.append("\n  ").append(v.path()).append(": ").append(v.message());
            }
            return new IllegalStateException(b.toString());
        }
        return new IllegalStateException(cause == null ? "failed" : cause.toString(), cause);
    }
}
