package io.gatehouse.admin.internal;

import io.gatehouse.dataplane.PemKeyPair;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTPS on the admin port (docs/operations.md §5): Jetty's server-side SSL context built from a PEM certificate
 * chain and key ({@link PemKeyPair}), TLS 1.3 and 1.2 only by default, and reloaded without a restart: a timer
 * reads the two (small) files and compares their digest with that of the contents last looked at; when they
 * changed it checks the pair again; a valid pair serves new handshakes at once, an invalid one (a half-written
 * file, the key of another certificate) is logged and the old pair keeps serving until the files change again.
 */
final class AdminTls implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AdminTls.class);


    private final Path certificate;
    private final Path key;
    private final Duration interval;
    private final SslContextFactory.Server factory = new SslContextFactory.Server();
    private final SecureRandom random = new SecureRandom();
    private ScheduledExecutorService timer;
    /** The digest of the files' contents as last looked at (loaded or refused); guarded by this. */
    private String seen;
    private volatile PemKeyPair current;

    /**
     * Reads and checks the pair; throws {@link IllegalArgumentException} naming the file and the reason.
     *
     * @param protocols the TLS protocol versions to enable, such as TLSv1.3 and TLSv1.2
     */
    AdminTls(Path certificate, Path key, Duration interval, List<String> protocols) {
        this.certificate = certificate;
        this.key = key;
        this.interval = interval;
        String stamp = stamp();
        PemKeyPair pair = PemKeyPair.read(certificate, key);
        factory.setIncludeProtocols(protocols.toArray(String[]::new));
        // one certificate for the port: requests to its IP address, or a name it does not list, are served too
        factory.setSniRequired(false);
        factory.setRenegotiationAllowed(false);
        install(factory, pair);
        this.seen = stamp;
        this.current = pair;
        LOG.info("Admin API TLS certificate loaded from {}: {}", certificate, pair.describe());
    }

    SslContextFactory.Server factory() {
        return factory;
    }

    /** The pair serving new handshakes. */
    PemKeyPair current() {
        return current;
    }

    /** Starts the reload timer (one daemon thread, stopped by {@link #close}). */
    void start() {
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "gatehouse-admin-tls-reload");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::check, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Reloads the pair when the files changed since they were last looked at; answers whether it did. */
    synchronized boolean check() {
        try {
            String stamp = stamp();
            if (stamp.equals(seen)) {
                return false;
            }
            seen = stamp;
            PemKeyPair pair = PemKeyPair.read(certificate, key);
            factory.reload(f -> install((SslContextFactory.Server) f, pair));
            current = pair;
            LOG.info("Admin API TLS certificate reloaded from {}: {}", certificate, pair.describe());
            return true;
        } catch (IllegalArgumentException e) {
            LOG.error("Admin API TLS certificate not reloaded, the previous one keeps serving: {}", e.getMessage());
        } catch (Exception e) {
            LOG.error("Admin API TLS certificate not reloaded, the previous one keeps serving", e);
        }
        return false;
    }

    private void install(SslContextFactory.Server f, PemKeyPair pair) {
        byte[] bytes = new byte[24];
        random.nextBytes(bytes);
        String password = Base64.getEncoder().encodeToString(bytes);
        f.setKeyStore(pair.keyStore(password.toCharArray()));
        f.setKeyStorePassword(password);
        f.setKeyManagerPassword(password);
    }

    /** The SHA-256 of both files' contents. */
    private String stamp() {
        return PemKeyPair.digest(List.of(certificate, key));
    }

    @Override
    public void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }
}
