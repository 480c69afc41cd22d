package it.example.hedge.internal;

import io.gatehouse.api.plugin.Attempt;
import io.gatehouse.api.plugin.Completion;
import io.gatehouse.api.plugin.Exchange;
import io.gatehouse.api.plugin.Forward;
import io.gatehouse.api.plugin.HttpResponse;
import io.gatehouse.api.plugin.Plugin;
import io.gatehouse.api.plugin.UpstreamException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/** Hedging: the first response wins, the other attempt is cancelled. Event loop only, like the exchange. */
final class HedgePlugin implements Plugin {
    private final Forward primary;
    private final Forward secondary;
    private final long afterMs;

    HedgePlugin(Forward primary, Forward secondary, long afterMs) {
        this.primary = primary;
        this.secondary = secondary;
        this.afterMs = afterMs;
    }

    @Override
    public void handle(Exchange exchange, Completion completion) {
        Race race = new Race(exchange, completion);
        race.send(exchange.attempt(primary));
        race.timer = exchange.schedule(() -> {
            if (!race.decided) {
                race.send(exchange.attempt(secondary));
            }
        }, afterMs, TimeUnit.MILLISECONDS);
    }

    private static final class Race {
        final Exchange exchange;
        final Completion completion;
        boolean decided;
        int pending;
        AutoCloseable timer;

        Race(Exchange exchange, Completion completion) {
            this.exchange = exchange;
            this.completion = completion;
        }

        void send(Attempt attempt) {
            pending++;
            attempt.send().whenComplete((response, error) -> done(attempt, response, error));
        }

        void done(Attempt attempt, HttpResponse response, Throwable error) {
            pending--;
            if (decided) {
                return;
            }
            if (error == null) {
                decided = true;
                attempt.use();
                for (Attempt other : exchange.attempts()) {
                    if (other != attempt) {
                        other.cancel();
                    }
                }
                stopTimer();
                response.headers().set("X-Hedge-Attempts", Integer.toString(exchange.attempts().size()));
                completion.complete("");
            } else if (pending == 0 && exchange.attempts().size() == 2) {
                decided = true;
                Throwable cause = error instanceof CompletionException ? error.getCause() : error;
                int status = cause instanceof UpstreamException u ? u.status() : 502;
                exchange.respondError(status, "upstream_error", String.valueOf(cause.getMessage()));
                completion.complete("");
            }
        }

        void stopTimer() {
            if (timer == null) {
                return; // decided before the timer was set
            }
            try {
                timer.close();
            } catch (Exception e) {
                // cancelling a timer does not fail
            }
        }
    }
}
