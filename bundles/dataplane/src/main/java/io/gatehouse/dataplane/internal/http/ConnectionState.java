package io.gatehouse.dataplane.internal.http;

import io.gatehouse.dataplane.ListenerSettings;
import io.netty.channel.Channel;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * Per client connection (TCP), touched only on its event loop: the limits it was accepted with, how many
 * exchanges are in flight on it (HTTP/2 streams included) and whether its listener is draining.
 */
final class ConnectionState {
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
    }

    /** Stops the connection gracefully: HTTP/2 sends GOAWAY and waits for its streams; HTTP/1 closes when idle. */
    void drain() {
        draining = true;
        if (http2 || inFlight == 0) {
            channel.close();
        }
    }
}
