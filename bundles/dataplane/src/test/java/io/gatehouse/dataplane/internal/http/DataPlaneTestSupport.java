package io.gatehouse.dataplane.internal.http;

import io.gatehouse.api.plugin.Forward;
import io.gatehouse.api.plugin.UpstreamException;
import io.gatehouse.dataplane.HttpListener;
import io.gatehouse.dataplane.ListenerSettings;
import io.gatehouse.dataplane.RequestHandler;
import io.gatehouse.dataplane.ServerExchange;
import io.gatehouse.dataplane.internal.DataPlaneSettings;
import io.gatehouse.dataplane.internal.NettyDataPlane;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.function.UnaryOperator;
import org.junit.After;
import org.junit.Before;

/**
 * Starts a data plane (2 event loops), a test upstream and a listener per test, and fails a test whose
 * buffers leaked. Subclasses bind listeners with {@link #proxy} or their own handlers.
 */
public abstract class DataPlaneTestSupport {
    static {
        LeakDetection.install();
    }

    protected NettyDataPlane dataPlane;
    protected TestUpstream upstream;
    protected HttpListener listener;

    @Before
    public void startDataPlane() throws Exception {
        dataPlane = new NettyDataPlane(DataPlaneSettings.defaults().withEventLoops(2)
                .withDrainTimeout(Duration.ofSeconds(2)).withBlocking(2, 2));
        upstream = new TestUpstream();
    }

    @After
    public void stopDataPlane() {
        if (listener != null) {
            listener.close();
        }
        if (dataPlane != null) {
            dataPlane.close();
        }
        if (upstream != null) {
            upstream.close();
        }
        LeakDetection.assertNoLeaks();
    }

    protected ListenerSettings settings() {
        return ListenerSettings.defaults("test", "127.0.0.1", 0);
    }

    /** Listener settings on 127.0.0.1, an ephemeral port, with the default client limits. */
    protected static ListenerSettings settings(String name, int maxInitialLine, int maxHeader, long maxBody,
                                               Duration idle, boolean http2, boolean xForwarded, String via) {
        ListenerSettings d = ListenerSettings.defaults(name, "127.0.0.1", 0);
        return new ListenerSettings(name, "127.0.0.1", 0, maxInitialLine, maxHeader, maxBody, idle, http2, xForwarded,
                via, d.pathNormalization(), d.requestHeadTimeout(), d.bodyIdleTimeout(), d.maxConnections());
    }

    protected int bind(RequestHandler handler) throws Exception {
        return bind(settings(), handler);
    }

    protected int bind(ListenerSettings s, RequestHandler handler) throws Exception {
        listener = dataPlane.bind(s, handler);
        return listener.localAddress().getPort();
    }

    /** A mini proxy pipeline: forward to the test upstream, answer the gateway error on failure. */
    protected RequestHandler proxy() {
        return proxy(f -> f);
    }

    protected RequestHandler proxy(UnaryOperator<Forward> tune) {
        return proxyTo(() -> upstream.port(), tune);
    }

    protected static RequestHandler proxyTo(java.util.function.IntSupplier port, UnaryOperator<Forward> tune) {
        return ex -> forwardAndEnd(ex, tune.apply(Forward.to("127.0.0.1", port.getAsInt())
                .readTimeout(Duration.ofSeconds(5)).connectTimeout(Duration.ofSeconds(2))));
    }

    protected static void forwardAndEnd(ServerExchange ex, Forward target) {
        ex.forward(target).whenComplete((r, e) -> {
            if (e != null) {
                Throwable cause = e instanceof CompletionException ? e.getCause() : e;
                if (cause instanceof UpstreamException) {
                    UpstreamException ue = (UpstreamException) cause;
                    ex.respondError(ue.status(), ue.reason().name().toLowerCase(), ue.getMessage());
                } else {
                    ex.respondError(500, "internal_error", String.valueOf(cause));
                }
            }
            ex.end();
        });
    }
}
