package io.gatehouse.store.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The operator's report when the database cannot be opened: the same text is logged as one ERROR and
 * written to {@code <directory>/store-failure.txt}, which {@code ./gatehouse status} prints. The report
 * says what happened, where the files are, and what the operator can do; the store never starts an empty
 * log by itself, because that would replace the stored configuration with the default one on the next
 * write.
 */
final class FailureReport {

    private FailureReport() {
    }

    /**
     * Keeps a copy of a damaged database, writes the report file (both best effort: each failure is named
     * in the report itself) and returns the report text.
     */
    static String write(StoreLocation where, StoreOpenException failure, Instant now) {
        List<String> notes = new ArrayList<>();
        Path copy = null;
        if (failure.kind() == StoreOpenException.Kind.DAMAGED || failure.kind() == StoreOpenException.Kind.BEHIND) {
            try {
                copy = StoreFiles.keepCopy(where.databaseFile(), now);
            } catch (IOException | RuntimeException e) {
                notes.add("Could not keep a copy of the damaged file: " + e);
            }
        }
        String text = text(where, failure, now, copy, notes);
        Path file = where.failureFile();
        try {
            Path partial = file.resolveSibling(file.getFileName() + ".part");
            Files.writeString(partial, text, StandardCharsets.UTF_8);
            Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            text = text + "\n(This report could not be written to " + file + ": " + e + ")\n";
        }
        return text;
    }

    /** Removes the report after a successful open. */
    static void clear(StoreLocation where) throws IOException {
        Files.deleteIfExists(where.failureFile());
    }

    static String text(StoreLocation where, StoreOpenException failure, Instant now, Path copy, List<String> notes) {
        Path db = where.databaseFile();
        Path record = where.acknowledgedFile();
        StringBuilder b = new StringBuilder();
        b.append("Gatehouse could not open its operation log (").append(now).append(").\n")
                .append("The configuration service did not start: the admin API is unavailable and no stored\n")
                .append("configuration is applied. Nothing was deleted, and no empty log was started.\n\n")
                .append("What happened: ").append(summary(failure)).append('\n')
                .append("Detail: ").append(failure.getMessage()).append('\n')
                .append("Database file: ").append(db).append(Files.exists(db) ? " (left in place)" : " (absent)")
                .append('\n');
        if (copy != null) {
            b.append("Copy of the file as found: ").append(copy).append('\n');
        }
        if (failure.acknowledged() >= 0) {
            b.append("Acknowledged-index record: ").append(record).append(" (index ").append(failure.acknowledged())
                    .append(")\n");
        }
        notes.forEach(n -> b.append(n).append('\n'));
        b.append("\nWhat you can do (stop Gatehouse first, start it again afterwards):\n");
        List<String> options = options(where, failure);
        for (int i = 0; i < options.size(); i++) {
            b.append("  ").append(i + 1).append(". ").append(options.get(i)).append('\n');
        }
        b.append("\nSee docs/storage.md, \"When the database cannot be opened\".\n");
        return b.toString();
    }

    private static String summary(StoreOpenException f) {
        return switch (f.kind()) {
            case DIRECTORY -> "the store's directory cannot be created or used (the database is not damaged).";
            case IN_USE -> "another process has the database open (the database is not damaged).";
            case INCOMPATIBLE -> "the database was written by a newer version (the database is not damaged).";
            case NOT_WRITABLE -> "the database file cannot be written (the database is not damaged).";
            case IO -> "reading or writing the database failed; this does not look like damage to the file.";
            case DAMAGED -> "the database file is damaged: H2 cannot read it (truncated or overwritten).";
            case BEHIND -> "the database opened but its committed log ends at index " + f.found() + ", while index "
                    + f.acknowledged() + " had been acknowledged: acknowledged writes " + (f.found() + 1) + ".."
                    + f.acknowledged() + " are missing (the file was truncated or replaced by an older copy, or "
                    + "the storage lost writes).";
            case MISSING -> "the database file does not exist, but writes up to index " + f.acknowledged()
                    + " had been acknowledged.";
            case RECORD_DAMAGED -> "the record of the acknowledged index is unreadable, so it cannot be checked "
                    + "that the database holds every acknowledged write.";
        };
    }

    private static List<String> options(StoreLocation where, StoreOpenException f) {
        Path db = where.databaseFile();
        Path dir = where.directory();
        String record = where.acknowledgedFile().toString();
        String restore = "Restore a backup: copy it to " + db + ", delete " + record
                + " (you accept losing what was written after the backup), start.";
        String fresh = "Start from the embedded default configuration (the stored objects are lost): move " + db
                + " away, delete " + record + ", start, then apply your objects again.";
        String salvage = "Salvage what H2 can still read: java -cp h2-2.5.252.jar org.h2.tools.Recover -dir " + dir
                + " -db " + where.databaseName() + " writes a SQL script of the readable rows (tables oplog, "
                + "snapshot) to inspect or re-apply by hand.";
        return switch (f.kind()) {
            case DIRECTORY -> List.of("Make " + dir + " a writable directory for the user that runs Gatehouse (check "
                    + "that the path is not a file and the disk is not full), or set 'directory' in "
                    + "etc/" + H2OperationLog.PID + ".cfg to one that is.");
            case IN_USE -> List.of("Stop the other process that uses " + db + " (another Gatehouse on the same data "
                    + "directory, an H2 console or tool), or give this instance its own 'directory'.");
            case INCOMPATIBLE -> List.of("Run the Gatehouse version that wrote " + db + ".", restore);
            case NOT_WRITABLE -> List.of("Make " + db + " and " + dir + " writable by the user that runs Gatehouse "
                    + "(and the file system read-write).");
            case IO -> List.of("Check the system log and the disk (space, permissions, errors) for " + db
                    + ", then start again; the file was not changed.", restore);
            case DAMAGED -> List.of(restore, salvage, fresh);
            case BEHIND -> List.of(restore,
                    "Accept the configuration as of index " + f.found() + " (writes " + (f.found() + 1) + ".."
                            + f.acknowledged() + " stay lost): delete " + record + ", start.",
                    salvage, fresh);
            case MISSING -> List.of("Put the database file back at " + db + " (e.g. restore a backup), start.",
                    "Start from the embedded default configuration on purpose: delete " + record + ", start.");
            case RECORD_DAMAGED -> List.of("If you trust " + db + ", delete " + record + "; it is written again "
                    + "from the database at the next start.", restore);
        };
    }
}
