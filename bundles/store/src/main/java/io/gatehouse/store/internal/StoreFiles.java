package io.gatehouse.store.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Set;

/** File-system steps the store needs around H2: forcing to the disk, and keeping a damaged file's copy. */
final class StoreFiles {

    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);

    /** Suffix of the copies {@link #keepCopy} makes, followed by a UTC timestamp. */
    static final String DAMAGED_SUFFIX = ".damaged-";

    private StoreFiles() {
    }

    /** Forces a file's content to the disk. */
    static void sync(Path file) throws IOException {
        try (FileChannel c = FileChannel.open(file, StandardOpenOption.READ)) {
            c.force(true);
        }
    }

    /**
     * Makes a directory readable, writable and searchable by its owner only ({@code rwx------}) where the file
     * system has POSIX permissions; elsewhere it is left as it is. Answers whether it changed them.
     */
    static boolean ownerOnly(Path directory) throws IOException {
        if (!Files.getFileStore(directory).supportsFileAttributeView(PosixFileAttributeView.class)) {
            return false;
        }
        Set<PosixFilePermission> wanted = PosixFilePermissions.fromString("rwx------");
        if (Files.getPosixFilePermissions(directory).equals(wanted)) {
            return false;
        }
        Files.setPosixFilePermissions(directory, wanted);
        return true;
    }

    /**
     * Forces a directory's entries (a created or renamed file) to the disk. Where the platform cannot open a
     * directory for that (Windows), the rename is as durable as the file system makes it.
     */
    static void syncDirectory(Path directory) throws IOException {
        try (FileChannel c = FileChannel.open(directory, StandardOpenOption.READ)) {
            c.force(true);
        } catch (IOException e) {
            if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows")) {
                throw e;
            }
        }
    }

    /** Moves {@code from} over {@code to} in one step and makes the rename durable. */
    static void replace(Path from, Path to) throws IOException {
        Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        syncDirectory(to.getParent());
    }

    /**
     * Copies a damaged file to {@code <file>.damaged-<UTC time>} next to it, unless a copy of the same size
     * and modification time is already there (a gateway restarted in a loop does not fill the disk).
     *
     * @return the copy (new or existing)
     */
    static Path keepCopy(Path file, Instant now) throws IOException {
        long size = Files.size(file);
        long modified = Files.getLastModifiedTime(file).toMillis();
        String prefix = file.getFileName() + DAMAGED_SUFFIX;
        try (DirectoryStream<Path> siblings = Files.newDirectoryStream(file.getParent(), prefix + "*")) {
            for (Path p : siblings) {
                if (Files.size(p) == size && Files.getLastModifiedTime(p).toMillis() == modified) {
                    return p;
                }
            }
        }
        Path copy = file.resolveSibling(prefix + STAMP.format(now));
        Path partial = file.resolveSibling(copy.getFileName() + ".part");
        Files.copy(file, partial, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
        sync(partial);
        Files.move(partial, copy, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        syncDirectory(file.getParent());
        return copy;
    }
}
