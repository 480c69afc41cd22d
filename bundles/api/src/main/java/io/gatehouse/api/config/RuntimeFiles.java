package io.gatehouse.api.config;

import java.nio.file.Path;

/**
 * Files a configuration names on each node (certificates, keys, trusted certificates): an absolute path as it
 * is, a relative one against the node's runtime folder (the system property {@code karaf.base}), or against
 * the working folder outside Karaf.
 *
 * @since 1.6
 */
public final class RuntimeFiles {
    private RuntimeFiles() {
    }

    /**
     * The file {@code name} names on this node.
     *
     * @throws java.nio.file.InvalidPathException when it is not a path
     */
    public static Path resolve(String name) {
        Path path = Path.of(name);
        String base = System.getProperty("karaf.base");
        return path.isAbsolute() || base == null ? path : Path.of(base).resolve(path);
    }
}
