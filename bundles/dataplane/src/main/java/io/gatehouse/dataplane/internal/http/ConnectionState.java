package io.gatehouse.dataplane.internal.http;

import io.gatehouse.dataplane.ListenerSettings;
import io.netty.channel.Channel;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per client connection (TCP), touched only on its event loop: the limits it was accepted with, how many
 * exchanges are in flight on it (HTTP/2 streams included), whether its listener is draining, and the
 * request-head timer.
 *
 * <p>The head timer runs while a request head is incomplete: on HTTP/1 from the first byte read while no
 * exchange is in flight (or from the end of the previous exchange when the next head had already begun)
 * until the decoder produced the request; on HTTP/2 while the preface, a frame other than DATA, or a header
 * block (HEADERS and its CONTINUATIONs) is incomplete ({@link Http2HeadTracker}). It is only scheduled when a
 * read ends with the head still incomplete, so a head that arrives in one read costs nothing.
 */
final class ConnectionState {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionState.class);

    final NettyHttpListener listener;
    final ListenerSettings settings;
    final Channel channel;
    /** {@code Via} entries for HTTP/1.0, 1.1 and 2.0 messages, or null when the listener adds none. */
    final String via10;
    final String via11;
    final String via20;
    private String clientIp;
    private int inFlight;
    private boolean draining;
    private boolean http2;
    /** The HTTP/1 handler that answers 408 (null once the connection speaks HTTP/2). */
    private ServerStreamHandler http1;
    private boolean headPending;
    private boolean inRead;
    private ScheduledFuture<?> headTimer;

    ConnectionState(NettyHttpListener listener, ListenerSettings settings, Channel channel) {
        this.listener = listener;
        this.settings = settings;
        this.channel = channel;
        String via = settings.via();
        boolean on = via != null && !via.isEmpty();
        this.via10 = on ? "1.0 " + via : null;
        this.via11 = on ? "1.1 " + via : null;
        this.via20 = on ? "2.0 " + via : null;
    }

    /** The {@code Via} entry for a message of this HTTP version, or null. */
    String via(int major, int minor) {
        if (major == 2) {
            return via20;
        }
        return minor == 0 ? via10 : via11;
    }

    /** The client's IP address as text, formatted once per connection. */
    String clientIp() {
        String ip = clientIp;
        if (ip == null) {
            SocketAddress a = channel.remoteAddress();
            if (a instanceof InetSocketAddress) {
                InetSocketAddress isa = (InetSocketAddress) a;
                ip = isa.getAddress() == null ? isa.getHostString() : isa.getAddress().getHostAddress();
            } else {
                ip = "unknown";
            }
            clientIp = ip;
        }
        return ip;
    }

    void exchangeStarted() {
        inFlight++;
    }

    void exchangeEnded() {
        inFlight--;
        if (draining && inFlight == 0 && !http2) {
            channel.close();
        }
    }

    boolean idle() {
        return inFlight == 0;
    }

    boolean draining() {
        return draining;
    }

    void http2() {
        http2 = true;
        http1 = null;
        headPending = false;
    }

    boolean isHttp2() {
        return http2;
    }

    void http1(ServerStreamHandler handler) {
        http1 = handler;
    }

    // ------------------------------------------------------------------ request-head timer

    /** Bytes were read (before any decoder): on HTTP/1 they begin a head when no exchange is in flight. */
    void bytesRead() {
        inRead = true;
        if (inFlight == 0 && !http2) {
            headPending = true;
        }
    }

    /** An HTTP/1 request head was decoded. */
    void headArrived() {
        headPending = false;
        cancelHeadTimer();
    }

    /**
     * The next HTTP/1 head had begun when the previous exchange ended: its time counts from now. Inside a
     * read (pipelined requests answered at once) the end of the read decides, as for any head.
     */
    void headBegunEarlier() {
        headPending = true;
        if (!inRead) {
            armHeadTimer();
        }
    }

    /** HTTP/2: whether the preface, a header block or a non-DATA frame is incomplete after a read. */
    void http2HeadPending(boolean pending) {
        headPending = pending;
    }

    /** A read ended: start the timer if a head is incomplete, stop it if none is. */
    void readComplete() {
        inRead = false;
        if (headPending) {
            armHeadTimer();
        } else {
            cancelHeadTimer();
        }
    }

    private void armHeadTimer() {
        if (headTimer == null && channel.isActive()) {
            headTimer = channel.eventLoop().schedule(this::headTimedOut, settings.requestHeadTimeout().toNanos(),
                    TimeUnit.NANOSECONDS);
        }
    }

    void cancelHeadTimer() {
        ScheduledFuture<?> t = headTimer;
        if (t != null) {
            headTimer = null;
            t.cancel(false);
        }
    }

    private void headTimedOut() {
        headTimer = null;
        if (!headPending || !channel.isActive()) {
            return;
        }
        long millis = settings.requestHeadTimeout().toMillis();
        if (http2 || http1 == null || inFlight > 0) {
            LOG.debug("HTTP/2 connection {} of server {}: incomplete frame or header block after {} ms, closing",
                    channel, settings.name(), millis);
            channel.close();
            return;
        }
        http1.headTimedOut(millis);
    }

    /** Stops the connection gracefully: HTTP/2 sends GOAWAY and waits for its streams; HTTP/1 closes when idle. */
    void drain() {
        draining = true;
        if (http2 || inFlight == 0) {
            channel.close();
        }
    }
}
