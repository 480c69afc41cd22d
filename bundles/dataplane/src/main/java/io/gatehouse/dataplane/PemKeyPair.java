package io.gatehouse.dataplane;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A certificate chain and its private key read from PEM files, with the JDK only: the chain with
 * {@link CertificateFactory} (one or more {@code BEGIN CERTIFICATE} blocks, the server's first), the key as
 * unencrypted PKCS#8 ({@code BEGIN PRIVATE KEY}: RSA, EC or Ed25519). It is checked before use: the key must
 * sign what the certificate's public key verifies, and the certificate must not have expired nor start more
 * than {@link #NOT_BEFORE_SKEW} from now. Every refusal says
 * which file and why.
 *
 * <p>Shared by the data plane's HTTPS listeners (files or {@code TLSCertificate} objects) and the admin API's
 * HTTPS port.
 *
 * @param chain the certificate, then its chain
 * @param key   the certificate's private key
 * @since 0.4
 */
public record PemKeyPair(List<X509Certificate> chain, PrivateKey key) {
    private static final Pattern KEY = Pattern.compile(
            "-----BEGIN ([A-Z ]*)PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END \\1PRIVATE KEY-----");
    private static final Pattern COMMON_NAME = Pattern.compile("(?:^|,)\\s*CN=([^,]+)");
    private static final List<String> ALGORITHMS = List.of("RSA", "EC", "Ed25519", "RSASSA-PSS");

    /**
     * How far in the future a certificate's start may be and still be taken: a certificate issued a moment
     * ago, written once and replicated, must load on a node whose clock is a little behind the issuer's.
     *
     * @since 0.5
     */
    public static final java.time.Duration NOT_BEFORE_SKEW = java.time.Duration.ofMinutes(10);

    /** Reads and checks the pair; throws {@link IllegalArgumentException} with the file and the reason. */
    public static PemKeyPair read(Path certificate, Path key) {
        return of(certificates(readFile(certificate, "certificate"), certificate.toString()),
                privateKey(readFile(key, "key"), key.toString()), certificate.toString(), key.toString());
    }

    /**
     * Parses and checks a pair given as PEM text (a {@code TLSCertificate} object's); the messages name
     * {@code certificateSource} and {@code keySource} where a file would be named.
     *
     * @since 0.5
     */
    public static PemKeyPair parse(String certificatePem, String keyPem, String certificateSource, String keySource) {
        return of(certificates(certificatePem.getBytes(StandardCharsets.US_ASCII), certificateSource),
                privateKey(keyPem.getBytes(StandardCharsets.US_ASCII), keySource), certificateSource, keySource);
    }

    /**
     * Checks that {@code key} is the key of the first certificate of {@code chain} and that the certificate is
     * valid now (give or take {@link #NOT_BEFORE_SKEW} for its start); throws {@link IllegalArgumentException}
     * naming the source and the reason.
     *
     * @since 0.5
     */
    public static PemKeyPair of(List<X509Certificate> chain, PrivateKey key, String certificateSource,
                                String keySource) {
        X509Certificate leaf = chain.get(0);
        long now = System.currentTimeMillis();
        if (now > leaf.getNotAfter().getTime()) {
            throw new IllegalArgumentException(certificateSource + ": the certificate expired on " + leaf.getNotAfter());
        }
        if (now + NOT_BEFORE_SKEW.toMillis() < leaf.getNotBefore().getTime()) {
            throw new IllegalArgumentException(certificateSource + ": the certificate is valid only from "
                    + leaf.getNotBefore());
        }
        if (!matches(leaf, key)) {
            throw new IllegalArgumentException(keySource + ": this key is not the key of the certificate in "
                    + certificateSource + " (" + leaf.getSubjectX500Principal().getName() + ")");
        }
        return new PemKeyPair(List.copyOf(chain), key);
    }

    /** An in-memory key store holding the pair under the alias {@code gatehouse}, protected by {@code password}. */
    public KeyStore keyStore(char[] password) {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("gatehouse", key, password, chain.toArray(new Certificate[0]));
            return store;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build an in-memory key store: " + e.getMessage(), e);
        }
    }

    /**
     * The SHA-256 of the files' contents, in order: what a reload compares to tell whether they changed (they
     * are a few kilobytes). Throws {@link IllegalArgumentException} when one cannot be read.
     */
    public static String digest(List<Path> files) {
        try {
            java.security.MessageDigest digest = java.security.MessageDigest.getInstance("SHA-256");
            for (Path file : files) {
                digest.update(readFile(file, "certificate or key"));
                digest.update((byte) 0);
            }
            return java.util.HexFormat.of().formatHex(digest.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from the JDK", e);
        }
    }

    /** Subject and expiry, for the log. */
    public String describe() {
        X509Certificate leaf = chain.get(0);
        return leaf.getSubjectX500Principal().getName() + ", valid until " + leaf.getNotAfter().toInstant()
                + (chain.size() > 1 ? ", with " + (chain.size() - 1) + " chain certificate(s)" : "");
    }

    /** The names the certificate is for: its DNS subject alternative names, else its common name. */
    public List<String> names() {
        X509Certificate leaf = chain.get(0);
        List<String> names = new java.util.ArrayList<>();
        try {
            Collection<List<?>> alternatives = leaf.getSubjectAlternativeNames();
            if (alternatives != null) {
                for (List<?> entry : alternatives) {
                    if (entry.size() >= 2 && Integer.valueOf(2).equals(entry.get(0))) {
                        names.add(String.valueOf(entry.get(1)).toLowerCase(java.util.Locale.ROOT));
                    }
                }
            }
        } catch (java.security.cert.CertificateParsingException e) {
            // no usable alternative names: the common name below
        }
        if (names.isEmpty()) {
            Matcher cn = COMMON_NAME.matcher(leaf.getSubjectX500Principal().getName());
            if (cn.find()) {
                names.add(cn.group(1).trim().toLowerCase(java.util.Locale.ROOT));
            }
        }
        return List.copyOf(names);
    }

    /**
     * The certificates of a PEM chain (one or more {@code BEGIN CERTIFICATE} blocks, the server's first);
     * throws {@link IllegalArgumentException} naming {@code source} and the reason.
     *
     * @since 0.5
     */
    public static List<X509Certificate> certificates(byte[] pem, String source) {
        try {
            Collection<? extends Certificate> read = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(pem));
            if (read.isEmpty()) {
                throw new IllegalArgumentException(source + ": no certificate in it (PEM BEGIN CERTIFICATE blocks, the"
                        + " server's first, are expected)");
            }
            return read.stream().map(X509Certificate.class::cast).toList();
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(source + ": not a PEM certificate chain: " + e.getMessage());
        }
    }

    /**
     * An unencrypted PKCS#8 private key ({@code BEGIN PRIVATE KEY}: RSA, EC or Ed25519); throws
     * {@link IllegalArgumentException} naming {@code source} and the reason (with the conversion command for
     * the older formats).
     *
     * @since 0.5
     */
    public static PrivateKey privateKey(byte[] pem, String source) {
        String text = new String(pem, StandardCharsets.US_ASCII);
        Matcher m = KEY.matcher(text);
        if (!m.find()) {
            throw new IllegalArgumentException(source + ": no PEM private key in it (BEGIN PRIVATE KEY expected)");
        }
        if (!m.group(1).isEmpty()) {
            throw new IllegalArgumentException(source + ": a " + m.group(1).trim() + " private key; only unencrypted"
                    + " PKCS#8 (BEGIN PRIVATE KEY) is read: convert it with"
                    + " 'openssl pkcs8 -topk8 -nocrypt -in <key> -out <new key>'");
        }
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(m.group(2));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + ": the private key is not valid base64");
        }
        for (String algorithm : ALGORITHMS) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (InvalidKeySpecException | java.security.NoSuchAlgorithmException e) {
                // try the next algorithm
            }
        }
        throw new IllegalArgumentException(source + ": not an RSA, EC or Ed25519 PKCS#8 private key");
    }

    /** Whether {@code key} signs what the certificate's public key verifies. */
    private static boolean matches(X509Certificate certificate, PrivateKey key) {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> null;
        };
        if (algorithm == null) {
            return certificate.getPublicKey().getAlgorithm().equals(key.getAlgorithm());
        }
        try {
            byte[] probe = "gatehouse key check".getBytes(StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static byte[] readFile(Path file, String what) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read the " + what + " file: " + e);
        }
    }
}
