package io.gatehouse.core.internal.config;

import io.gatehouse.api.config.ConfigObject;
import io.gatehouse.api.config.RuntimeFiles;
import io.gatehouse.api.config.Units;
import io.gatehouse.api.config.Violation;
import io.gatehouse.core.internal.routing.HeaderMatch;
import io.gatehouse.core.internal.routing.HostMatch;
import io.gatehouse.core.internal.routing.Route;
import io.gatehouse.core.internal.routing.RouteTable;
import io.gatehouse.dataplane.ListenerSettings;
import io.gatehouse.dataplane.ListenerSettings.PathNormalization;
import io.gatehouse.dataplane.RequestTarget;
import io.gatehouse.dataplane.ServerTls;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Validates an HTTPServer object: binds its spec, applies defaults, checks the rules a type cannot express
 * (ranges, one-of, regexes, tokens, units) and compiles the routes. Identical rules are conflicts (409):
 * the second could never match.
 *
 * <p>The listener settings it makes carry the port this node binds: the spec's port plus this node's
 * {@code portOffset} (core configuration, node-local, 0 by default), so that several nodes of one group can
 * serve the same replicated server on one machine. The spec itself is checked against 1..65535 without the
 * offset (it is the same on every node); a shifted port above 65535 is the listener manager's to report.
 */
public final class HttpServerValidator {
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    private static final Pattern IPV4 = Pattern.compile(
            "((25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");
    private static final Pattern HOST = Pattern.compile(
            "(\\*\\.)?[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*");

    // Bounds of the sizes and durations (documented in docs/configuration.md): below the minimums no real
    // request fits or connections close at once; the maximums keep every value far from an overflow.
    static final long MIN_INITIAL_LINE = 256;
    static final long MAX_INITIAL_LINE = 1L << 20;
    static final long MIN_HEADER = 1L << 10;
    static final long MAX_HEADER = 1L << 20;
    static final long MAX_BODY = 1L << 40;
    static final Duration MIN_IDLE = Duration.ofMillis(100);
    static final Duration MAX_IDLE = Duration.ofHours(24);

    static final Duration DEFAULT_HEAD_TIMEOUT = Duration.ofSeconds(10);
    static final String MAX_HEAD_TIMEOUT = "10m";
    static final Duration DEFAULT_BODY_IDLE_TIMEOUT = Duration.ofSeconds(30);
    static final String MAX_BODY_IDLE_TIMEOUT = "1h";
    static final int DEFAULT_MAX_CONNECTIONS = 10_000;
    static final int MAX_MAX_CONNECTIONS = 1_000_000;
    static final int MAX_CERTIFICATES = 64;

    private final SpecBinder binder;
    private final int portOffset;

    public HttpServerValidator(SpecBinder binder) {
        this(binder, 0);
    }

    /** @param portOffset added to every server's port on this node (0..{@value CoreConfigService#MAX_PORT_OFFSET}) */
    public HttpServerValidator(SpecBinder binder, int portOffset) {
        this.binder = binder;
        this.portOffset = portOffset;
    }

    /**
     * Returns the model, or null when violations were added to either list.
     *
     * @param certificates the TLSCertificate objects a reference may name, by name
     */
    public ServerModel validate(ConfigObject o, String prefix, List<Violation> invalid, List<Violation> conflicts,
                                Map<String, ConfigObject> certificates) {
        String base = prefix + ".spec";
        int before = invalid.size() + conflicts.size();
        HttpServerSpec spec = binder.bind(o.spec(), HttpServerSpec.class, base, invalid);
        if (spec == null) {
            return null;
        }
        String address = spec.address() == null ? "0.0.0.0" : spec.address();
        if (!IPV4.matcher(address).matches() && !(IPV6.matcher(address).matches() && ipv6(address))) {
            invalid.add(new Violation(base + ".address", "must be an IP address such as 127.0.0.1 or 0.0.0.0"));
        }
        int port = 0;
        if (spec.port() == null) {
            invalid.add(new Violation(base + ".port", "is required"));
        } else if (spec.port() < 1 || spec.port() > 65535) {
            invalid.add(new Violation(base + ".port", "must be between 1 and 65535"));
        } else {
            port = spec.port();
        }
        int line = (int) size(spec.maxInitialLineLength(), "8KiB", base + ".maxInitialLineLength",
                MIN_INITIAL_LINE, MAX_INITIAL_LINE, invalid);
        int header = (int) size(spec.maxHeaderSize(), "16KiB", base + ".maxHeaderSize", MIN_HEADER, MAX_HEADER,
                invalid);
        long body = size(spec.maxRequestBody(), "256MiB", base + ".maxRequestBody", 0, MAX_BODY, invalid);
        Duration idle = duration(spec.idleTimeout(), "60s", base + ".idleTimeout", MIN_IDLE, MAX_IDLE, invalid);
        ClientLimits limits = clientLimits(spec, base, invalid);
        String via = spec.via() == null ? "gatehouse" : spec.via();
        if (!via.isEmpty() && !TOKEN.matcher(via).matches()) {
            invalid.add(new Violation(base + ".via", "must be a token (letters, digits and !#$%&'*+.^_`|~-) or empty"));
        }
        List<Route> routes = new ArrayList<>();
        List<String> pipelines = new ArrayList<>();
        if (spec.rules() == null || spec.rules().isEmpty()) {
            invalid.add(new Violation(base + ".rules", "at least one rule is required"));
        } else {
            Map<RuleKey, Integer> seen = new HashMap<>();
            for (int i = 0; i < spec.rules().size(); i++) {
                String rp = base + ".rules[" + i + "]";
                HttpServerSpec.Rule rule = spec.rules().get(i);
                if (rule == null) {
                    invalid.add(new Violation(rp, "must be an object"));
                    continue;
                }
                Route route = rule(rule, rp, invalid);
                if (route == null) {
                    continue;
                }
                routes.add(route);
                pipelines.add(route.pipeline());
                Integer first = seen.putIfAbsent(RuleKey.of(rule), i);
                if (first != null) {
                    conflicts.add(new Violation(rp, "has the same matchers as rules[" + first
                            + "], so it could never match"));
                }
            }
        }
        ServerTls tls = tls(spec.tls(), base + ".tls", certificates, invalid);
        if (invalid.size() + conflicts.size() > before) {
            return null;
        }
        ListenerSettings settings = new ListenerSettings(o.name(), address, port + portOffset, line, header, body, idle,
                spec.http2() == null || spec.http2(), spec.xForwarded() == null || spec.xForwarded(),
                via.isEmpty() ? null : via, limits.pathNormalization(), limits.headTimeout(), limits.bodyIdle(),
                limits.maxConnections(), tls);
        return new ServerModel(o.name(), settings, new RouteTable(routes), List.copyOf(pipelines));
    }

    /**
     * The HTTPS settings, or null for plain HTTP. Only their shape is checked here: the files are each node's
     * own, read when it binds the listener (a node that cannot read them reports the server not serving, with
     * the reason, and tries again); a referenced TLSCertificate must exist (its text was checked when it was
     * written) and is carried in the settings, so that a new text is new settings.
     */
    private static ServerTls tls(HttpServerSpec.Tls tls, String base, Map<String, ConfigObject> objects,
                                 List<Violation> invalid) {
        if (tls == null) {
            return null;
        }
        int before = invalid.size();
        List<ServerTls.Certificate> certificates = new ArrayList<>();
        if (tls.certificates() == null || tls.certificates().isEmpty()) {
            invalid.add(new Violation(base + ".certificates", "at least one certificate is required"));
        } else if (tls.certificates().size() > MAX_CERTIFICATES) {
            invalid.add(new Violation(base + ".certificates", "at most " + MAX_CERTIFICATES + " certificates"));
        } else {
            for (int i = 0; i < tls.certificates().size(); i++) {
                String cp = base + ".certificates[" + i + "]";
                HttpServerSpec.Certificate c = tls.certificates().get(i);
                if (c == null) {
                    invalid.add(new Violation(cp, "must be an object with certificate and key, or ref"));
                    continue;
                }
                if (c.ref() != null) {
                    ServerTls.Certificate referenced = reference(c, cp, objects, invalid);
                    if (referenced != null) {
                        certificates.add(referenced);
                    }
                    continue;
                }
                Path certificate = file(c.certificate(), cp + ".certificate", invalid);
                Path key = file(c.key(), cp + ".key", invalid);
                if (certificate != null && key != null) {
                    certificates.add(new ServerTls.Certificate(certificate, key));
                }
            }
        }
        List<String> protocols = tls.protocols() == null ? List.of("TLSv1.3", "TLSv1.2") : tls.protocols();
        if (protocols.isEmpty()) {
            invalid.add(new Violation(base + ".protocols", "at least one protocol: TLSv1.3, TLSv1.2"));
        }
        for (int i = 0; i < protocols.size(); i++) {
            if (!"TLSv1.3".equals(protocols.get(i)) && !"TLSv1.2".equals(protocols.get(i))) {
                invalid.add(new Violation(base + ".protocols[" + i + "]", "must be TLSv1.3 or TLSv1.2"));
            }
        }
        Duration reload = duration(tls.reloadInterval(), "10s", base + ".reloadInterval", Duration.ofSeconds(1),
                Duration.ofHours(1), invalid);
        return invalid.size() > before ? null : new ServerTls(certificates, List.copyOf(protocols), reload);
    }

    private static ServerTls.Certificate reference(HttpServerSpec.Certificate c, String cp,
                                                   Map<String, ConfigObject> objects, List<Violation> invalid) {
        if (c.certificate() != null || c.key() != null) {
            invalid.add(new Violation(cp, "ref names a TLSCertificate object: certificate and key are files, give"
                    + " one or the other"));
            return null;
        }
        if (!ObjectKinds.NAME.matcher(c.ref()).matches()) {
            invalid.add(new Violation(cp + ".ref", ObjectKinds.NAME_RULE));
            return null;
        }
        ConfigObject object = objects.get(c.ref());
        if (object == null) {
            invalid.add(new Violation(cp + ".ref", "TLSCertificate '" + c.ref() + "' does not exist"));
            return null;
        }
        return ServerTls.Certificate.ofObject(c.ref(), object.spec().path("certificate").asText(),
                object.spec().path("key").asText());
    }

    /** A file path: absolute, or relative to this node's runtime folder ({@code karaf.base}). */
    private static Path file(String text, String path, List<Violation> invalid) {
        if (text == null || text.isBlank()) {
            invalid.add(new Violation(path, "is required: a PEM file on every node of the group"));
            return null;
        }
        try {
            return RuntimeFiles.resolve(text);
        } catch (java.nio.file.InvalidPathException e) {
            invalid.add(new Violation(path, "is not a file path: " + e.getReason()));
            return null;
        }
    }

    /** True for an IPv6 literal; the brackets make the JDK parse it as one, never look it up as a name. */
    private static boolean ipv6(String address) {
        try {
            return InetAddress.getByName("[" + address + "]") instanceof Inet6Address;
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** What protects a server against malformed, slow and too many clients. */
    private record ClientLimits(PathNormalization pathNormalization, Duration headTimeout, Duration bodyIdle,
                                int maxConnections) {
    }

    private static ClientLimits clientLimits(HttpServerSpec spec, String base, List<Violation> invalid) {
        PathNormalization normalization = PathNormalization.NORMALIZE;
        if ("reject".equals(spec.pathNormalization())) {
            normalization = PathNormalization.REJECT;
        } else if (spec.pathNormalization() != null && !spec.pathNormalization().equals("normalize")) {
            invalid.add(new Violation(base + ".pathNormalization", "must be normalize or reject"));
        }
        Duration head = boundedDuration(spec.requestHeadTimeout(), DEFAULT_HEAD_TIMEOUT, MAX_HEAD_TIMEOUT,
                base + ".requestHeadTimeout", invalid);
        Duration bodyIdle = boundedDuration(spec.bodyIdleTimeout(), DEFAULT_BODY_IDLE_TIMEOUT, MAX_BODY_IDLE_TIMEOUT,
                base + ".bodyIdleTimeout", invalid);
        int connections = DEFAULT_MAX_CONNECTIONS;
        if (spec.maxConnections() != null) {
            if (spec.maxConnections() < 1 || spec.maxConnections() > MAX_MAX_CONNECTIONS) {
                invalid.add(new Violation(base + ".maxConnections", "must be between 1 and " + MAX_MAX_CONNECTIONS));
            } else {
                connections = spec.maxConnections();
            }
        }
        return new ClientLimits(normalization, head, bodyIdle, connections);
    }

    /** A positive duration of at most {@code max}; the default when absent (and after a violation). */
    private static Duration boundedDuration(String text, Duration dflt, String max, String path,
                                            List<Violation> invalid) {
        if (text == null) {
            return dflt;
        }
        try {
            Duration d = Units.duration(text);
            if (d.isZero()) {
                invalid.add(new Violation(path, "must be positive"));
            } else if (d.compareTo(Units.duration(max)) > 0) {
                invalid.add(new Violation(path, "must be at most " + max));
            } else {
                return d;
            }
        } catch (IllegalArgumentException e) {
            invalid.add(new Violation(path, e.getMessage()));
        }
        return dflt;
    }

    private static long size(String text, String dflt, String path, long min, long max, List<Violation> invalid) {
        try {
            return Units.bytes(text == null ? dflt : text, min, max);
        } catch (IllegalArgumentException e) {
            invalid.add(new Violation(path, e.getMessage()));
            return 0;
        }
    }

    private static Duration duration(String text, String dflt, String path, Duration min, Duration max,
                                     List<Violation> invalid) {
        try {
            return Units.duration(text == null ? dflt : text, min, max);
        } catch (IllegalArgumentException e) {
            invalid.add(new Violation(path, e.getMessage()));
            return min;
        }
    }

    private static Route rule(HttpServerSpec.Rule rule, String rp, List<Violation> invalid) {
        int before = invalid.size();
        if (rule.host() != null && !HOST.matcher(rule.host()).matches()) {
            invalid.add(new Violation(rp + ".host", "must be a host name such as api.example.com or *.example.com"));
        }
        int paths = (rule.path() == null ? 0 : 1) + (rule.pathPrefix() == null ? 0 : 1)
                + (rule.pathRegex() == null ? 0 : 1);
        if (paths > 1) {
            invalid.add(new Violation(rp, "at most one of path, pathPrefix and pathRegex may be set"));
        }
        rulePath(rule.path(), rp + ".path", invalid);
        rulePath(rule.pathPrefix(), rp + ".pathPrefix", invalid);
        Pattern pathRegex = rule.pathRegex() == null ? null : regex(rule.pathRegex(), rp + ".pathRegex", invalid);
        String[] methods = null;
        if (rule.methods() != null) {
            if (rule.methods().isEmpty()) {
                invalid.add(new Violation(rp + ".methods", "must not be empty (omit it to accept every method)"));
            }
            for (int m = 0; m < rule.methods().size(); m++) {
                String method = rule.methods().get(m);
                if (method == null || !TOKEN.matcher(method).matches()) {
                    invalid.add(new Violation(rp + ".methods[" + m + "]", "must be an HTTP method such as GET"));
                }
            }
            methods = rule.methods().toArray(new String[0]);
        }
        List<HeaderMatch> headers = new ArrayList<>();
        if (rule.headers() != null) {
            for (int h = 0; h < rule.headers().size(); h++) {
                HeaderMatch hm = header(rule.headers().get(h), rp + ".headers[" + h + "]", invalid);
                if (hm != null) {
                    headers.add(hm);
                }
            }
        }
        if (rule.pipeline() == null) {
            invalid.add(new Violation(rp + ".pipeline", "is required"));
        } else if (!ObjectKinds.NAME.matcher(rule.pipeline()).matches()) {
            invalid.add(new Violation(rp + ".pipeline", ObjectKinds.NAME_RULE));
        }
        if (invalid.size() > before) {
            return null;
        }
        return new Route(rule.host() == null ? null : new HostMatch(rule.host()), rule.path(), rule.pathPrefix(),
                pathRegex, methods, headers.toArray(new HeaderMatch[0]), rule.pipeline());
    }

    /** Requests are routed on their normalized path, so a rule path that is not normal could never match. */
    private static void rulePath(String path, String where, List<Violation> invalid) {
        if (path == null) {
            return;
        }
        if (!path.startsWith("/")) {
            invalid.add(new Violation(where, "must start with /"));
        } else if (!RequestTarget.isNormalPath(path)) {
            invalid.add(new Violation(where, "must be a normalized path (no . or .. segments, no repeated slashes, "
                    + "no percent-encoded letters, digits or -._~, and other characters percent-encoded): requests "
                    + "are matched on their normalized path, so this could never match"));
        }
    }

    private static HeaderMatch header(HttpServerSpec.Header h, String hp, List<Violation> invalid) {
        if (h == null) {
            invalid.add(new Violation(hp, "must be an object"));
            return null;
        }
        int before = invalid.size();
        if (h.name() == null) {
            invalid.add(new Violation(hp + ".name", "is required"));
        } else if (!TOKEN.matcher(h.name()).matches()) {
            invalid.add(new Violation(hp + ".name", "must be a header field name"));
        }
        if ((h.value() == null) == (h.regex() == null)) {
            invalid.add(new Violation(hp, "exactly one of value and regex is required"));
        }
        Pattern regex = h.regex() == null ? null : regex(h.regex(), hp + ".regex", invalid);
        return invalid.size() > before ? null : new HeaderMatch(h.name(), h.value(), regex);
    }

    private static Pattern regex(String text, String path, List<Violation> invalid) {
        try {
            return Pattern.compile(text);
        } catch (PatternSyntaxException e) {
            invalid.add(new Violation(path, "is not a valid regular expression: " + e.getDescription()
                    + " near index " + e.getIndex()));
            return null;
        }
    }

    /** What makes two rules identical: every matcher, normalized (the pipeline does not count). */
    private record RuleKey(String host, String path, String pathPrefix, String pathRegex, Object methods,
                           Object headers) {
        static RuleKey of(HttpServerSpec.Rule r) {
            TreeSet<String> headers = new TreeSet<>();
            if (r.headers() != null) {
                r.headers().forEach(h -> headers.add(h.name().toLowerCase(Locale.ROOT) + "\u0000"
                        + (h.value() != null ? "=" + h.value() : "~" + h.regex())));
            }
            return new RuleKey(r.host() == null ? null : r.host().toLowerCase(Locale.ROOT), r.path(), r.pathPrefix(),
                    r.pathRegex(), r.methods() == null ? null : new TreeSet<>(r.methods()), headers);
        }
    }
}
