package io.gatehouse.admin.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who answers the health endpoint, so that a script can tell this node from another process on the same
 * port: a node id (a random UUID made at the node's first start and kept in {@code node.id} next to the
 * operation log, so it lives exactly as long as the node's data), the JVM's pid, when the JVM started, and
 * the launch id the starter passed in the system property {@value #LAUNCH_ID_PROPERTY} (the {@code gatehouse}
 * launcher passes a fresh one on every start), if any.
 *
 * @param id        the node id
 * @param persisted false when the id could not be stored (it then changes on every start)
 * @param pid       the JVM's process id
 * @param started   when the JVM started, if known
 * @param launchId  the launch id, or null
 */
record NodeIdentity(String id, boolean persisted, long pid, Instant started, String launchId) {
    static final String LAUNCH_ID_PROPERTY = "gatehouse.launch.id";
    static final String FILE = "node.id";
    private static final Logger LOG = LoggerFactory.getLogger(NodeIdentity.class);

    /** The identity of this JVM, with the node id kept in {@code directory} (null: not kept). */
    static NodeIdentity load(Path directory) {
        ProcessHandle self = ProcessHandle.current();
        Instant started = self.info().startInstant().orElse(null);
        String launchId = System.getProperty(LAUNCH_ID_PROPERTY);
        if (launchId != null && launchId.isBlank()) {
            launchId = null;
        }
        if (directory == null) {
            return new NodeIdentity(UUID.randomUUID().toString(), false, self.pid(), started, launchId);
        }
        Path file = directory.resolve(FILE);
        try {
            return new NodeIdentity(readOrCreate(file), true, self.pid(), started, launchId);
        } catch (IOException e) {
            LOG.warn("Cannot keep the node id in {} ({}): this start gets a temporary one", file, e.toString());
            return new NodeIdentity(UUID.randomUUID().toString(), false, self.pid(), started, launchId);
        }
    }

    /** The directory of {@code node.id} in a Karaf runtime: {@code ${karaf.data}/gatehouse}, or null outside Karaf. */
    static Path karafDirectory() {
        String data = System.getProperty("karaf.data");
        return data == null || data.isBlank() ? null : Path.of(data, "gatehouse");
    }

    private static String readOrCreate(Path file) throws IOException {
        try {
            String text = Files.readString(file, StandardCharsets.US_ASCII).trim();
            return UUID.fromString(text).toString();
        } catch (NoSuchFileException e) {
            LOG.debug("No node id yet at {}", file);
        } catch (IllegalArgumentException e) {
            LOG.warn("{} does not hold a node id; a new one replaces it", file);
        }
        String id = UUID.randomUUID().toString();
        BootstrapToken.writeAtomically(file, id + "\n", false);
        LOG.info("This node's id is {} (kept in {})", id, file);
        return id;
    }
}
