package io.gatehouse.cluster.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.EnumSet;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The cluster secret and the HMAC-SHA256 made with it. Where the secret comes from: {@code secret}, else the
 * file {@code secret.file}, else {@code <karaf.data>/gatehouse/cluster.secret}, generated (owner-only) when
 * it does not exist. Thread-safe; {@link #toString()} never shows the secret.
 */
public final class ClusterSecret {
    /** Shortest accepted secret, in characters. */
    public static final int MIN_LENGTH = 16;
    /** The generated file's name, under {@code <karaf.data>/gatehouse}. */
    public static final String GENERATED_FILE = "cluster.secret";

    private static final String ALGORITHM = "HmacSHA256";

    private final SecretKeySpec key;
    private final String origin;

    private ClusterSecret(byte[] secret, String origin) {
        this.key = new SecretKeySpec(secret, ALGORITHM);
        this.origin = origin;
    }

    /** A secret given directly (tests, and the {@code secret} key). */
    public static ClusterSecret of(String secret) {
        if (secret == null || secret.length() < MIN_LENGTH) {
            throw ClusterSettings.invalid("secret", "must be at least " + MIN_LENGTH + " characters");
        }
        return new ClusterSecret(secret.getBytes(StandardCharsets.UTF_8), "the secret property");
    }

    /**
     * The secret the settings name; {@code dataDir} is {@code ${karaf.data}}.
     *
     * @throws IllegalArgumentException naming the key, when the secret or its file is unusable
     */
    public static ClusterSecret resolve(ClusterSettings s, Path dataDir) {
        if (!s.secret().isEmpty()) {
            return of(s.secret());
        }
        Path file = s.secretFile().isEmpty() ? dataDir.resolve("gatehouse").resolve(GENERATED_FILE)
                : Path.of(s.secretFile());
        String key = s.secretFile().isEmpty() ? "secret" : "secret.file";
        try {
            if (s.secretFile().isEmpty() && !Files.exists(file)) {
                generate(file);
            }
            String text = Files.readString(file, StandardCharsets.UTF_8).trim();
            if (text.length() < MIN_LENGTH) {
                throw ClusterSettings.invalid(key, file + " must hold at least " + MIN_LENGTH + " characters");
            }
            return new ClusterSecret(text.getBytes(StandardCharsets.UTF_8), file.toString());
        } catch (IOException e) {
            throw ClusterSettings.invalid(key, "cannot read or create " + file + ": " + e);
        }
    }

    private static void generate(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        String text = Base64.getUrlEncoder().withoutPadding().encodeToString(random) + "\n";
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        Set<PosixFilePermission> ownerOnly = EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        try {
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(ownerOnly));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: the file inherits the folder's permissions
            Files.createFile(tmp);
        }
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        try {
            Files.move(tmp, file);
        } catch (FileAlreadyExistsException e) {
            // another start generated it first: use theirs
            Files.deleteIfExists(tmp);
        }
    }

    /** HMAC-SHA256 of the parts, each prefixed by its length (so that no two part lists collide). */
    public byte[] mac(byte[]... parts) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            for (byte[] p : parts) {
                int n = p.length;
                mac.update(new byte[] {(byte) (n >>> 24), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n});
                mac.update(p);
            }
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    /** Constant-time check of a MAC made by {@link #mac}. */
    public boolean verify(byte[] expectedMac, byte[]... parts) {
        return expectedMac != null && MessageDigest.isEqual(expectedMac, mac(parts));
    }

    @Override
    public String toString() {
        return "ClusterSecret[from " + origin + "]";
    }
}
