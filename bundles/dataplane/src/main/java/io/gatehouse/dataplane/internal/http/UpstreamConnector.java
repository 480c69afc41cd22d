package io.gatehouse.dataplane.internal.http;

import io.gatehouse.api.plugin.Forward;
import io.gatehouse.api.plugin.UpstreamException;
import io.gatehouse.api.plugin.UpstreamException.Reason;
import io.gatehouse.api.plugin.UpstreamTls;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import io.netty.util.NetUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Opens a new upstream connection on a pool's event loop. IP literals connect directly; host names are
 * resolved on the blocking executor (the JDK resolver blocks) and the connect continues on the event loop.
 * Failures are mapped to the gateway's reasons (timeout → CONNECT_TIMEOUT, anything else → CONNECT_FAILED)
 * and to its words ({@link UpstreamErrors}); messages do not name the upstream, the caller knows it.
 */
final class UpstreamConnector {

    /** Where the outcome goes; always called on the pool's event loop. */
    interface Callback {
        /** True when the attempt is no longer wanted (a late connection is then closed). */
        boolean abandoned();

        void connected(UpstreamConnection connection);

        void connectFailed(UpstreamException cause);
    }

    private UpstreamConnector() {
    }

    static void connect(UpstreamPool pool, Executor blocking, UpstreamTlsContexts contexts, Forward target,
                        Callback callback) {
        String host = target.host();
        UpstreamTls tls = target.tls();
        SslContext context = tls == null ? null : contexts.cached(tls);
        byte[] literal = NetUtil.createByteArrayFromIpAddressString(host);
        if (literal != null && (tls == null || context != null)) {
            try {
                connect(pool, contexts, target, new InetSocketAddress(InetAddress.getByAddress(literal), target.port()),
                        context, callback);
            } catch (UnknownHostException e) {
                callback.connectFailed(new UpstreamException(Reason.CONNECT_FAILED, "invalid address", e));
            }
            return;
        }
        // blocking work first: the name lookup (the JDK resolver blocks) and, once per settings, the trust file
        try {
            blocking.execute(() -> {
                SslContext built;
                try {
                    built = tls == null ? null : contexts.context(tls).join();
                } catch (CompletionException e) {
                    Throwable why = e.getCause() == null ? e : e.getCause();
                    pool.loop().execute(() -> callback.connectFailed(new UpstreamException(Reason.CONNECT_FAILED,
                            "TLS: " + why.getMessage(), why)));
                    return;
                }
                try {
                    InetSocketAddress address = new InetSocketAddress(literal != null
                            ? InetAddress.getByAddress(literal) : InetAddress.getByName(host), target.port());
                    pool.loop().execute(() -> connect(pool, contexts, target, address, built, callback));
                } catch (UnknownHostException e) {
                    pool.loop().execute(() -> callback.connectFailed(new UpstreamException(Reason.CONNECT_FAILED,
                            "unknown host: " + host + " cannot be resolved", e)));
                }
            });
        } catch (RejectedExecutionException e) {
            callback.connectFailed(new UpstreamException(Reason.CONNECT_FAILED, "cannot resolve " + host
                    + " now: the resolver's executor is saturated", e));
        }
    }

    private static void connect(UpstreamPool pool, UpstreamTlsContexts contexts, Forward target,
                                InetSocketAddress address, SslContext tls, Callback callback) {
        if (callback.abandoned()) {
            return;
        }
        int millis = (int) Math.min(Integer.MAX_VALUE, Math.max(1, Timeouts.millis(target.connectTimeout())));
        // the TCP connect and the TLS handshake share the connect timeout
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        String peer = target.tls() == null || target.tls().serverName() == null ? target.host()
                : target.tls().serverName();
        pool.connect(contexts.poolKey(target.host(), target.tls()), target.port(), address, millis, tls, peer)
                .addListener((ChannelFuture f) -> connected(f, target, callback, deadline));
    }

    private static void connected(ChannelFuture f, Forward target, Callback callback, long deadline) {
        if (callback.abandoned()) {
            f.channel().close();
            return;
        }
        if (f.isSuccess()) {
            SslHandler tls = f.channel().pipeline().get(SslHandler.class);
            if (tls == null) {
                callback.connected(f.channel().pipeline().get(UpstreamConnection.class));
                return;
            }
            // HTTPS: the connection is usable once the handshake succeeded, within what is left of the connect
            // timeout; the outcome is told once (the timer's close also fails the handshake)
            boolean[] told = new boolean[1];
            long left = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
            ScheduledFuture<?> timer = f.channel().eventLoop().schedule(() -> {
                if (!told[0] && !tls.handshakeFuture().isDone()) {
                    told[0] = true;
                    f.channel().close();
                    if (!callback.abandoned()) {
                        callback.connectFailed(new UpstreamException(Reason.CONNECT_TIMEOUT, "TLS handshake not done"
                                + " within the connect timeout (" + Timeouts.millis(target.connectTimeout()) + " ms)",
                                null));
                    }
                }
            }, left, TimeUnit.MILLISECONDS);
            tls.handshakeFuture().addListener(h -> {
                timer.cancel(false);
                if (told[0]) {
                    return;
                }
                told[0] = true;
                if (callback.abandoned()) {
                    f.channel().close();
                } else if (h.isSuccess()) {
                    callback.connected(f.channel().pipeline().get(UpstreamConnection.class));
                } else {
                    f.channel().close();
                    Reason reason = h.cause() instanceof SslHandshakeTimeoutException ? Reason.CONNECT_TIMEOUT
                            : Reason.CONNECT_FAILED;
                    callback.connectFailed(new UpstreamException(reason, "TLS handshake failed: "
                            + handshakeFailure(h.cause()), h.cause()));
                }
            });
            return;
        }
        Throwable cause = f.cause();
        if (cause instanceof ConnectTimeoutException) {
            callback.connectFailed(new UpstreamException(Reason.CONNECT_TIMEOUT, "connection timed out (no connection"
                    + " within the connect timeout, " + Timeouts.millis(target.connectTimeout()) + " ms)", cause));
        } else {
            UpstreamErrors.Cause why = UpstreamErrors.connect(cause);
            callback.connectFailed(new UpstreamException(why.reason(), why.text(), cause));
        }
    }

    /** The innermost message: a certificate path or name error says what is wrong. */
    private static String handshakeFailure(Throwable cause) {
        Throwable t = cause;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
