package io.gatehouse.plugin.proxy.internal.lb;

import io.gatehouse.api.plugin.Exchange;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Objects;

/** Where a hashing balancer takes its key from: a request header, a cookie or the client's IP. */
public abstract class KeySource {

    private KeySource() {
    }

    /** The key of this exchange, or null when the request has none (the balancer falls back). */
    abstract String key(Exchange exchange);

    /** The first value of a request header. */
    public static KeySource header(String name) {
        Objects.requireNonNull(name, "name");
        return new KeySource() {
            @Override
            String key(Exchange exchange) {
                String value = exchange.request().headers().get(name);
                return value == null || value.isEmpty() ? null : value;
            }

            @Override
            public String toString() {
                return "header " + name;
            }
        };
    }

    /** The value of a cookie. */
    public static KeySource cookie(String name) {
        Objects.requireNonNull(name, "name");
        return new KeySource() {
            @Override
            String key(Exchange exchange) {
                String value = Cookies.value(exchange.request().headers(), name);
                return value == null || value.isEmpty() ? null : value;
            }

            @Override
            public String toString() {
                return "cookie " + name;
            }
        };
    }

    /** The client's IP address (the TCP peer), in its textual form. */
    public static KeySource clientIp() {
        return new KeySource() {
            @Override
            String key(Exchange exchange) {
                InetAddress address = clientAddress(exchange);
                return address == null ? null : address.getHostAddress();
            }

            @Override
            public String toString() {
                return "client IP";
            }
        };
    }

    static InetAddress clientAddress(Exchange exchange) {
        InetSocketAddress remote = exchange.remoteAddress();
        return remote == null ? null : remote.getAddress();
    }
}
