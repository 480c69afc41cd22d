package io.gatehouse.core.internal.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gatehouse.api.config.ConfigObject;
import io.gatehouse.api.config.Violation;
import io.gatehouse.dataplane.PemKeyPair;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;

/**
 * {@code TLSCertificate} objects (docs/configuration.md, "TLSCertificate"): a certificate chain and its private
 * key as PEM text, replicated through the operation log like every object, referenced by HTTPServers
 * ({@code spec.tls.certificates[i].ref}). The key is never read back: every object a reader gets
 * ({@link #redact}) has its key replaced by {@value #REDACTED_PREFIX} and the key's SHA-256; a write that
 * sends that marker back keeps the stored key ({@link #restore}), so an object read, edited and written again
 * (the console's editor, an export applied to the same group) keeps its key.
 */
final class TlsCertificates {
    /** How a redacted key starts; the SHA-256 of the stored key's text follows. */
    static final String REDACTED_PREFIX = "redacted:sha256:";
    static final int MAX_CERTIFICATE = 64 * 1024;
    static final int MAX_KEY = 16 * 1024;

    /**
     * The spec as written.
     *
     * @param certificate PEM chain, the server's certificate first
     * @param key         PEM unencrypted PKCS#8 private key of the first certificate
     */
    record Spec(String certificate, String key) {
    }

    /** A server's reference to a TLSCertificate: its place in {@code spec.tls.certificates} and the name. */
    record Reference(int index, String name) {
        String path() {
            return "$.spec.tls.certificates[" + index + "].ref";
        }
    }

    private TlsCertificates() {
    }

    /** Binds and checks {@code o}'s spec (the pair must parse, match and be valid now), adding violations. */
    static void validate(SpecBinder binder, ConfigObject o, String prefix, List<Violation> invalid) {
        String base = prefix + ".spec";
        Spec spec = binder.bind(o.spec(), Spec.class, base, invalid);
        if (spec == null) {
            return;
        }
        List<X509Certificate> chain = null;
        PrivateKey key = null;
        if (spec.certificate() == null || spec.certificate().isBlank()) {
            invalid.add(new Violation(base + ".certificate", "is required: the PEM certificate chain, the server's"
                    + " certificate first"));
        } else if (spec.certificate().length() > MAX_CERTIFICATE) {
            invalid.add(new Violation(base + ".certificate", "is longer than " + MAX_CERTIFICATE + " characters"));
        } else {
            try {
                chain = PemKeyPair.certificates(spec.certificate().getBytes(StandardCharsets.US_ASCII),
                        "spec.certificate");
            } catch (IllegalArgumentException e) {
                invalid.add(new Violation(base + ".certificate", e.getMessage()));
            }
        }
        if (spec.key() == null || spec.key().isBlank()) {
            invalid.add(new Violation(base + ".key", "is required: the PEM private key (BEGIN PRIVATE KEY)"));
        } else if (spec.key().startsWith(REDACTED_PREFIX)) {
            invalid.add(new Violation(base + ".key", "is a redacted key that does not match the stored "
                    + "TLSCertificate '" + o.name() + "': send the PEM private key"));
        } else if (spec.key().length() > MAX_KEY) {
            invalid.add(new Violation(base + ".key", "is longer than " + MAX_KEY + " characters"));
        } else {
            try {
                key = PemKeyPair.privateKey(spec.key().getBytes(StandardCharsets.US_ASCII), "spec.key");
            } catch (IllegalArgumentException e) {
                invalid.add(new Violation(base + ".key", e.getMessage()));
            }
        }
        if (chain != null && key != null) {
            try {
                PemKeyPair.of(chain, key, "spec.certificate", "spec.key");
            } catch (IllegalArgumentException e) {
                String field = e.getMessage().startsWith("spec.key") ? ".key" : ".certificate";
                invalid.add(new Violation(base + field, e.getMessage()));
            }
        }
    }

    /** The TLSCertificate objects of {@code state} by name (a new, modifiable map). */
    static Map<String, ConfigObject> byName(NavigableMap<ObjectKey, ConfigObject> state) {
        Map<String, ConfigObject> out = new java.util.HashMap<>();
        state.values().stream().filter(o -> o.kind().equals(ObjectKinds.TLS_CERTIFICATE))
                .forEach(o -> out.put(o.name(), o));
        return out;
    }

    /** When the first certificate of a stored object's chain expires, or null when it cannot be read. */
    static Instant notAfter(ConfigObject o) {
        try {
            List<X509Certificate> chain = PemKeyPair.certificates(o.spec().path("certificate").asText()
                    .getBytes(StandardCharsets.US_ASCII), "the text");
            return chain.get(0).getNotAfter().toInstant();
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * The TLSCertificates a server's spec references, in order, whatever else is wrong with the spec (a stored
     * spec of any shape: this runs over every stored server). A scalar {@code ref} counts as its text, as the
     * binder reads it ({@code ref: 2026} names TLSCertificate '2026').
     */
    static List<Reference> references(ConfigObject server) {
        List<Reference> out = new ArrayList<>();
        JsonNode certificates = server.spec().path("tls").path("certificates");
        if (!certificates.isArray()) {
            return out;
        }
        for (int i = 0; i < certificates.size(); i++) {
            JsonNode ref = certificates.path(i).path("ref");
            if (ref.isValueNode() && !ref.isNull()) {
                out.add(new Reference(i, ref.asText()));
            }
        }
        return out;
    }

    /** The first reference of a stored HTTPServer to {@code name}, as "HTTPServer 'x' ($.spec...)", or null. */
    static String usedBy(String name, NavigableMap<ObjectKey, ConfigObject> state) {
        for (ConfigObject o : state.values()) {
            if (!o.kind().equals(ObjectKinds.HTTP_SERVER)) {
                continue;
            }
            for (Reference r : references(o)) {
                if (r.name().equals(name)) {
                    return "HTTPServer '" + o.name() + "' (" + r.path() + ")";
                }
            }
        }
        return null;
    }

    /**
     * The object as readers see it: a TLSCertificate's key replaced by its marker (a key that is a marker
     * already is left as it is); any other object as is.
     */
    static ConfigObject redact(ConfigObject o) {
        if (!o.kind().equals(ObjectKinds.TLS_CERTIFICATE) || !o.spec().path("key").isTextual()
                || o.spec().path("key").asText().startsWith(REDACTED_PREFIX)) {
            // an answer built from what a client wrote may hold the marker it sent: it stays as it is
            return o;
        }
        ObjectNode spec = o.spec().deepCopy();
        spec.put("key", REDACTED_PREFIX + sha256(spec.path("key").asText()));
        return new ConfigObject(o.kind(), o.name(), spec, o.revision());
    }

    /**
     * A written TLSCertificate whose key is the marker of the stored object's key gets the stored key back;
     * any other object is returned as is (a marker that does not match is refused by {@link #validate}).
     */
    static ConfigObject restore(ConfigObject o, Map<ObjectKey, ConfigObject> state) {
        if (o == null || !ObjectKinds.TLS_CERTIFICATE.equals(o.kind())) {
            return o;
        }
        ObjectNode written = o.spec();
        if (!written.path("key").isTextual() || !written.path("key").asText().startsWith(REDACTED_PREFIX)) {
            return o;
        }
        ConfigObject stored = state.get(new ObjectKey(o.kind(), o.name()));
        if (stored == null || !stored.spec().path("key").isTextual()) {
            return o;
        }
        String storedKey = stored.spec().path("key").asText();
        if (!written.path("key").asText().equals(REDACTED_PREFIX + sha256(storedKey))) {
            return o;
        }
        ObjectNode spec = written.deepCopy();
        spec.put("key", storedKey);
        return new ConfigObject(o.kind(), o.name(), spec, o.revision());
    }

    static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from the JDK", e);
        }
    }
}
