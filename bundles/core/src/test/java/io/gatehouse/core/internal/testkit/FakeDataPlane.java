package io.gatehouse.core.internal.testkit;

import io.gatehouse.dataplane.DataPlane;
import io.gatehouse.dataplane.HttpListener;
import io.gatehouse.dataplane.ListenerSettings;
import io.gatehouse.dataplane.RequestHandler;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A data plane that binds nothing but keeps the bookkeeping a kernel would: two open listeners on
 * overlapping sockets (same port; same address or a wildcard) are refused with BindException, as are
 * ports marked as held by "another process".
 */
public final class FakeDataPlane implements DataPlane {
    public final List<FakeListener> listeners = new CopyOnWriteArrayList<>();
    public final Set<Integer> foreignPorts = new HashSet<>();
    public final List<String> events = new CopyOnWriteArrayList<>();
    /** Certificate files this data plane cannot load (as the real one when they are missing or broken). */
    public final Set<java.nio.file.Path> unreadable = java.util.concurrent.ConcurrentHashMap.newKeySet();

    @Override
    public synchronized HttpListener bind(ListenerSettings settings, RequestHandler handler)
            throws BindException, javax.net.ssl.SSLException {
        String tls = tlsProblem(settings);
        if (tls != null) {
            events.add("tls refused " + settings.address() + ":" + settings.port());
            throw new javax.net.ssl.SSLException(tls);
        }
        if (foreignPorts.contains(settings.port())) {
            events.add("refused " + settings.address() + ":" + settings.port());
            throw new BindException("Address already in use");
        }
        for (FakeListener l : open()) {
            ListenerSettings s = l.settings();
            if (s.port() == settings.port() && (s.address().equals(settings.address()) || s.address().equals("0.0.0.0")
                    || settings.address().equals("0.0.0.0"))) {
                events.add("refused " + settings.address() + ":" + settings.port());
                throw new BindException("Address already in use");
            }
        }
        FakeListener l = new FakeListener(this, settings, handler);
        listeners.add(l);
        events.add("bind " + settings.name() + " " + settings.address() + ":" + settings.port());
        return l;
    }

    /** Why the settings' certificates cannot be loaded, or null. */
    String tlsProblem(ListenerSettings settings) {
        if (settings.tls() == null) {
            return null;
        }
        for (var c : settings.tls().certificates()) {
            if (c.files() && (unreadable.contains(c.certificate()) || unreadable.contains(c.key()))) {
                return "TLS: " + c.certificate() + ": cannot read the certificate file";
            }
        }
        return null;
    }

    /**
     * A probe of a socket (bind and release at once), judged like {@link #bind}; recorded as
     * {@code probe <name> <address>:<port>} or {@code refused <address>:<port>}.
     */
    public synchronized void probe(ListenerSettings settings) throws BindException {
        HttpListener l;
        try {
            // a probe binds the socket only: certificates are not its business
            l = bind(settings.withTls(null), exchange -> {
            });
        } catch (javax.net.ssl.SSLException e) {
            throw new IllegalStateException(e);
        }
        listeners.remove(l);
        events.set(events.size() - 1, "probe " + settings.name() + " " + settings.address() + ":" + settings.port());
    }

    public List<FakeListener> open() {
        List<FakeListener> out = new ArrayList<>();
        for (FakeListener l : listeners) {
            if (!l.closed) {
                out.add(l);
            }
        }
        return out;
    }

    /** The open listener on a port, or null. */
    public FakeListener on(int port) {
        for (FakeListener l : open()) {
            if (l.settings().port() == port) {
                return l;
            }
        }
        return null;
    }

    @Override
    public String transport() {
        return "fake";
    }

    @Override
    public int eventLoops() {
        return 1;
    }

    /** A listener that is only a record of its settings and handler. */
    public static final class FakeListener implements HttpListener {
        private final FakeDataPlane owner;
        private volatile ListenerSettings settings;
        private volatile RequestHandler handler;
        public volatile boolean closed;
        public volatile int reconfigured;

        FakeListener(FakeDataPlane owner, ListenerSettings settings, RequestHandler handler) {
            this.owner = owner;
            this.settings = settings;
            this.handler = handler;
        }

        @Override
        public ListenerSettings settings() {
            return settings;
        }

        @Override
        public InetSocketAddress localAddress() {
            return new InetSocketAddress(settings.address(), settings.port());
        }

        @Override
        public void handler(RequestHandler handler) {
            this.handler = handler;
        }

        public RequestHandler handler() {
            return handler;
        }

        @Override
        public void reconfigure(ListenerSettings next) {
            if (!next.sameSocket(settings)) {
                throw new IllegalArgumentException("another socket");
            }
            String tls = owner.tlsProblem(next);
            if (tls != null) {
                throw new IllegalArgumentException(tls, new javax.net.ssl.SSLException(tls));
            }
            settings = next;
            reconfigured++;
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                owner.events.add("close " + settings.name() + " " + settings.address() + ":" + settings.port());
            }
        }

        /** Sends a request through the listener's current handler. */
        public FakeExchange serve(FakeExchange exchange) {
            handler.handle(exchange);
            return exchange;
        }
    }

    @Override
    public java.util.Map<String, Integer> openConnections() {
        java.util.Map<String, Integer> out = new java.util.TreeMap<>();
        open().forEach(l -> out.put(l.settings().name(), 0));
        return out;
    }
}
