package io.gatehouse.dataplane;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Self-signed certificates made at test time (EC P-256) with BouncyCastle, written as PEM files; shared with
 * the admin bundle's tests through this module's test jar.
 */
public final class TestCertificates {
    private TestCertificates() {
    }

    /** A certificate and its key. */
    public record Issued(X509Certificate certificate, KeyPair keys) {
        /** Writes the certificate and the PKCS#8 key as PEM to the two files. */
        public void write(Path certificateFile, Path keyFile) throws IOException {
            Files.writeString(certificateFile, certificatePem(), StandardCharsets.US_ASCII);
            Files.writeString(keyFile, keyPem(), StandardCharsets.US_ASCII);
        }

        /** The certificate as PEM text. */
        public String certificatePem() throws IOException {
            return pem(certificate);
        }

        /** The private key as unencrypted PKCS#8 PEM text. */
        public String keyPem() throws IOException {
            return pem(new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(keys.getPrivate(), null).generate());
        }

        /** A client context that trusts this certificate only. */
        public SSLContext trusting() throws GeneralSecurityException, IOException {
            return TestCertificates.trusting(certificate);
        }

        /**
         * A certificate for localhost and 127.0.0.1 signed by this one (an {@link #authority}), valid from an
         * hour ago for a day.
         */
        public Issued sign(String commonName) throws Exception {
            return TestCertificates.issue(commonName, Instant.now().minus(Duration.ofHours(1)),
                    Instant.now().plus(Duration.ofDays(1)), this, false, "localhost");
        }
    }

    /** A client context that trusts these certificates only. */
    public static SSLContext trusting(X509Certificate... certificates) throws GeneralSecurityException, IOException {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        for (int i = 0; i < certificates.length; i++) {
            trust.setCertificateEntry("c" + i, certificates[i]);
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        return context;
    }

    /** For localhost and 127.0.0.1, valid from an hour ago for a day. */
    public static Issued issue(String commonName) throws Exception {
        return issue(commonName, Instant.now().minus(Duration.ofHours(1)), Instant.now().plus(Duration.ofDays(1)));
    }

    /** For localhost and 127.0.0.1. */
    public static Issued issue(String commonName, Instant from, Instant until) throws Exception {
        return issue(commonName, from, until, "localhost");
    }

    /** For the DNS names given (wildcards allowed) and 127.0.0.1, valid from an hour ago for a day. */
    public static Issued forNames(String commonName, String... names) throws Exception {
        return issue(commonName, Instant.now().minus(Duration.ofHours(1)), Instant.now().plus(Duration.ofDays(1)),
                names);
    }

    /** A certificate authority (self-signed, a CA), to sign others with {@link Issued#sign}. */
    public static Issued authority(String commonName) throws Exception {
        return issue(commonName, Instant.now().minus(Duration.ofHours(1)), Instant.now().plus(Duration.ofDays(1)),
                null, true);
    }

    private static Issued issue(String commonName, Instant from, Instant until, String... names) throws Exception {
        return issue(commonName, from, until, null, false, names);
    }

    private static Issued issue(String commonName, Instant from, Instant until, Issued issuer, boolean authority,
                                String... names) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair keys = generator.generateKeyPair();
        X500Name name = new X500Name("CN=" + commonName);
        X500Name issuerName = issuer == null ? name
                : X500Name.getInstance(issuer.certificate().getSubjectX500Principal().getEncoded());
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuerName,
                BigInteger.valueOf(System.nanoTime()), Date.from(from), Date.from(until), name, keys.getPublic());
        if (authority) {
            builder.addExtension(Extension.basicConstraints, true, new org.bouncycastle.asn1.x509.BasicConstraints(true));
        }
        GeneralName[] alternatives = new GeneralName[names.length + 1];
        for (int i = 0; i < names.length; i++) {
            alternatives[i] = new GeneralName(GeneralName.dNSName, names[i]);
        }
        alternatives[names.length] = new GeneralName(GeneralName.iPAddress, "127.0.0.1");
        builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(alternatives));
        X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuer == null ? keys.getPrivate()
                        : issuer.keys().getPrivate())));
        return new Issued(certificate, keys);
    }

    private static String pem(Object object) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(object);
        }
        return out.toString();
    }
}
