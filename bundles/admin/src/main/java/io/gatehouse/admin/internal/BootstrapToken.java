package io.gatehouse.admin.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's own admin token, set at its first start so that nobody ever meets an open admin API and no
 * default password exists: the value of {@value #VARIABLE} when it is set then, else a generated token written
 * to {@code ${karaf.data}/admin.token} (readable by its owner only). Only its SHA-256 is kept, in
 * {@code ${karaf.data}/gatehouse/admin-token.sha256}; later starts read that and ignore the variable. It is an
 * {@code admin} token named {@value #NAME}, valid on this node only (tokens made through the API are
 * replicated to the whole group), and it works even when the group has no leader.
 *
 * @param sha256 the token's SHA-256
 * @param file   where the generated token was written, or null when it was given
 */
record BootstrapToken(String sha256, Path file) {
    static final String NAME = "bootstrap";
    static final String VARIABLE = "GATEHOUSE_ADMIN_TOKEN";
    /** The same, as a system property (a JVM whose environment the starter does not control: Pax Exam). */
    static final String PROPERTY = "gatehouse.admin.token";
    static final String HASH_FILE = "admin-token.sha256";
    static final String TOKEN_FILE = "admin.token";
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final Logger LOG = LoggerFactory.getLogger(BootstrapToken.class);

    /** The value given to this start: the environment variable, else the system property; null when neither. */
    static String given() {
        String value = System.getenv(VARIABLE);
        if (value == null || value.isBlank()) {
            value = System.getProperty(PROPERTY);
        }
        return value == null || value.isBlank() ? null : value.trim();
    }

    /** The data directory of a Karaf runtime ({@code karaf.data}), or null outside Karaf. */
    static Path karafData() {
        String data = System.getProperty("karaf.data");
        return data == null || data.isBlank() ? null : Path.of(data);
    }

    /**
     * Reads the node's token, or sets it on a first start.
     *
     * @param data  the node's data directory
     * @param given the value given to this start, or null
     * @throws IllegalStateException when the given value cannot be a token, or the files cannot be written (the
     *                               admin API then does not start: it never runs without a token)
     */
    static BootstrapToken load(Path data, String given, AdminTokens tokens) {
        Path hashFile = data.resolve("gatehouse").resolve(HASH_FILE);
        String stored = readHash(hashFile);
        if (stored != null) {
            if (given != null && !AdminTokens.hash(given).equals(stored)) {
                LOG.warn("{} is ignored: this node's bootstrap token was set at its first start; delete {} to set"
                        + " a new one at the next start", VARIABLE, hashFile);
            }
            return new BootstrapToken(stored, null);
        }
        try {
            if (given != null) {
                String problem = AdminTokens.problem(given);
                if (problem != null) {
                    throw new IllegalStateException(VARIABLE + " " + problem);
                }
                String hash = AdminTokens.hash(given);
                writeAtomically(hashFile, hash + "\n", true);
                LOG.info("The admin API's bootstrap token is the value of {} (its SHA-256 is kept in {})", VARIABLE,
                        hashFile);
                return new BootstrapToken(hash, null);
            }
            String token = tokens.generate();
            Path tokenFile = data.resolve(TOKEN_FILE);
            writeAtomically(tokenFile, token + "\n", true);
            String hash = AdminTokens.hash(token);
            writeAtomically(hashFile, hash + "\n", true);
            LOG.warn("Admin API token generated and written to {} (readable by its owner only): send it as"
                    + " 'Authorization: Bearer <token>'. Set {} before a node's first start to choose it instead.",
                    tokenFile, VARIABLE);
            return new BootstrapToken(hash, tokenFile);
        } catch (IOException e) {
            throw new IllegalStateException("cannot keep the admin API's bootstrap token in " + data + ": " + e, e);
        }
    }

    private static String readHash(Path file) {
        try {
            String text = Files.readString(file, StandardCharsets.US_ASCII).trim();
            if (SHA256.matcher(text).matches()) {
                return text;
            }
            LOG.warn("{} does not hold a SHA-256; a new bootstrap token replaces it", file);
        } catch (NoSuchFileException e) {
            LOG.debug("No bootstrap token yet at {}", file);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the admin API's bootstrap token from " + file + ": " + e, e);
        }
        return null;
    }

    /**
     * Writes {@code text} to {@code file} atomically (a temporary file moved over it), readable and writable by
     * the owner only when {@code ownerOnly} (and the file system has POSIX permissions).
     */
    static void writeAtomically(Path file, String text, boolean ownerOnly) throws IOException {
        Files.createDirectories(file.getParent());
        boolean posix = ownerOnly && FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
        Path tmp = posix
                ? Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp",
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))
                : Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
        try {
            Files.writeString(tmp, text, StandardCharsets.US_ASCII);
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
