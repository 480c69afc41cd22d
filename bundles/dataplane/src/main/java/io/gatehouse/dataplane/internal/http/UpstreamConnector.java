package io.gatehouse.dataplane.internal.http;

import io.gatehouse.api.plugin.Forward;
import io.gatehouse.api.plugin.UpstreamException;
import io.gatehouse.api.plugin.UpstreamException.Reason;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ConnectTimeoutException;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

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

    static void connect(UpstreamPool pool, Executor blocking, Forward target, Callback callback) {
        String host = target.host();
        byte[] literal = NetUtil.createByteArrayFromIpAddressString(host);
        if (literal != null) {
            try {
                connect(pool, target, new InetSocketAddress(InetAddress.getByAddress(literal), target.port()),
                        callback);
            } catch (UnknownHostException e) {
                callback.connectFailed(new UpstreamException(Reason.CONNECT_FAILED, "invalid address", e));
            }
            return;
        }
        try {
            blocking.execute(() -> {
                try {
                    InetSocketAddress address = new InetSocketAddress(InetAddress.getByName(host), target.port());
                    pool.loop().execute(() -> connect(pool, target, address, callback));
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

    private static void connect(UpstreamPool pool, Forward target, InetSocketAddress address, Callback callback) {
        if (callback.abandoned()) {
            return;
        }
        int millis = (int) Math.min(Integer.MAX_VALUE, Math.max(1, Timeouts.millis(target.connectTimeout())));
        pool.connect(target.host(), target.port(), address, millis)
                .addListener((ChannelFuture f) -> connected(f, target, callback));
    }

    private static void connected(ChannelFuture f, Forward target, Callback callback) {
        if (callback.abandoned()) {
            f.channel().close();
            return;
        }
        if (f.isSuccess()) {
            callback.connected(f.channel().pipeline().get(UpstreamConnection.class));
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
}
