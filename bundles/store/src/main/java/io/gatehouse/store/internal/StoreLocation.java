package io.gatehouse.store.internal;

import java.nio.file.Path;
import java.util.Properties;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where the H2 database lives and how to open it, resolved from the component configuration.
 *
 * <p>Only {@code ${name}} placeholders naming system properties are expanded ({@code karaf.data} falls back
 * to {@code ./data} outside Karaf); anything else left unresolved is a configuration error rather than a
 * directory literally named {@code ${...}}.
 *
 * @param directory    absolute, normalized directory holding the database files
 * @param databaseName file name stem of the database (H2 adds {@code .mv.db})
 */
record StoreLocation(Path directory, String databaseName) {

    /** Used when the {@code karaf.data} system property is not set (tests, tools). */
    static final String KARAF_DATA_FALLBACK = "./data";

    /** Name of the failure report in the store's directory. */
    static final String FAILURE_FILE = "store-failure.txt";

    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([^}]*)}");
    private static final Pattern DATABASE_NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    /**
     * Resolves the configured directory and database name.
     *
     * @param directory    the configured directory, possibly with {@code ${property}} placeholders
     * @param databaseName the configured database name
     * @param properties   looks up system properties (returns null when unset)
     * @throws IllegalArgumentException naming the offending setting when a value is unusable
     */
    static StoreLocation resolve(String directory, String databaseName, UnaryOperator<String> properties) {
        if (databaseName == null || !DATABASE_NAME.matcher(databaseName).matches()) {
            throw new IllegalArgumentException("databaseName: '" + databaseName
                    + "' must be 1 to 64 characters of A-Z, a-z, 0-9, '_' or '-'");
        }
        if (directory == null || directory.isBlank()) {
            throw new IllegalArgumentException("directory: must not be empty");
        }
        String expanded = expand(directory, properties);
        // ';' would end the file part of the JDBC URL and start a setting.
        if (expanded.indexOf(';') >= 0) {
            throw new IllegalArgumentException("directory: '" + expanded + "' must not contain ';'");
        }
        return new StoreLocation(Path.of(expanded).toAbsolutePath().normalize(), databaseName);
    }

    private static String expand(String value, UnaryOperator<String> properties) {
        Matcher m = PLACEHOLDER.matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String name = m.group(1);
            String replacement = properties.apply(name);
            if (replacement == null && "karaf.data".equals(name)) {
                replacement = KARAF_DATA_FALLBACK;
            }
            if (replacement == null) {
                throw new IllegalArgumentException("directory: '" + value + "' uses ${" + name
                        + "} but the system property '" + name + "' is not set");
            }
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** The database file H2 creates. */
    Path databaseFile() {
        return directory.resolve(databaseName + ".mv.db");
    }

    /** The record of the highest acknowledged index, beside the database (see {@link AcknowledgedIndex}). */
    Path acknowledgedFile() {
        return directory.resolve(databaseName + ".acknowledged");
    }

    /** The plain-text report written when the database cannot be opened (read by the launcher). */
    Path failureFile() {
        return directory.resolve(FAILURE_FILE);
    }

    /** The database a compaction writes before it replaces {@link #databaseFile()} (a '.' no name can have). */
    StoreLocation compactionTarget() {
        return new StoreLocation(directory, databaseName + ".compacting");
    }

    /**
     * The JDBC URL.
     * <ul>
     *   <li>{@code retry:} re-opens the file channel when a thread is interrupted during I/O (a plain
     *   FileChannel would be closed for good and the store would panic).</li>
     *   <li>{@code WRITE_DELAY=0}: every commit writes its chunk before {@code commit()} returns; the fsync is
     *   a separate {@code CHECKPOINT SYNC} (see {@link H2OperationLog}).</li>
     *   <li>{@code REUSE_SPACE=FALSE}: H2 appends every chunk at the end of the file and never overwrites
     *   existing content, so the newest commit is always the last complete chunk of the file, which is what
     *   H2 finds first when it opens a file after a crash. With space reuse, a commit written into a hole
     *   in the middle of the file can be unreachable at the next open (docs/storage.md, "Why space is not
     *   reused").</li>
     *   <li>{@code MAX_COMPACT_TIME=0}: closing does not rewrite or move chunks in place; the file is
     *   compacted by rewriting it into a new file instead ({@link StoreConnection}).</li>
     *   <li>The component closes the database itself, so H2's JVM shutdown hook is off.</li>
     * </ul>
     */
    String jdbcUrl() {
        String path = directory.resolve(databaseName).toString().replace('\\', '/');
        return "jdbc:h2:retry:" + path + ";WRITE_DELAY=0;REUSE_SPACE=FALSE;MAX_COMPACT_TIME=0;DB_CLOSE_ON_EXIT=FALSE";
    }

    /** Connection properties: the embedded database's only (admin) user. */
    Properties connectionProperties() {
        Properties props = new Properties();
        props.setProperty("user", "gatehouse");
        props.setProperty("password", "");
        return props;
    }
}
