package io.gatehouse.store.internal;

import java.io.EOFException;
import java.io.IOException;
import java.sql.SQLException;
import org.h2.api.ErrorCode;
import org.h2.mvstore.DataUtils;
import org.h2.mvstore.MVStoreException;

/**
 * Why the database could not be opened, sorted into what the operator has to do about it. Only
 * {@link Kind#DAMAGED}, {@link Kind#BEHIND} and {@link Kind#MISSING} mean that the stored configuration
 * is lost or at risk; the others are environment problems that leave the file as it is.
 */
final class StoreOpenException extends IOException {

    private static final long serialVersionUID = 1L;

    /** What kind of failure. */
    enum Kind {
        /** The directory cannot be created or used. */
        DIRECTORY,
        /** Another process holds the database file's lock. */
        IN_USE,
        /** Written by a newer H2 file format or a newer schema version. */
        INCOMPATIBLE,
        /** The file or its file system is read-only. */
        NOT_WRITABLE,
        /** Some other I/O failure (disk full, permissions, device error). */
        IO,
        /** H2 cannot read the file: truncated, overwritten or otherwise corrupt. */
        DAMAGED,
        /** The database opened but holds fewer entries than were acknowledged. */
        BEHIND,
        /** The database file is gone although entries were acknowledged. */
        MISSING,
        /** The acknowledged-index record itself is unreadable. */
        RECORD_DAMAGED;

        /** True when the stored configuration is lost or at risk (not an environment problem). */
        boolean lostData() {
            return this == DAMAGED || this == BEHIND || this == MISSING;
        }
    }

    private final Kind kind;
    private final long found;
    private final long acknowledged;

    StoreOpenException(Kind kind, String message, Throwable cause) {
        this(kind, message, cause, -1, -1);
    }

    StoreOpenException(Kind kind, String message, Throwable cause, long found, long acknowledged) {
        super(message, cause);
        this.kind = kind;
        this.found = found;
        this.acknowledged = acknowledged;
    }

    Kind kind() {
        return kind;
    }

    /** For {@link Kind#BEHIND}: the last index the database holds; -1 otherwise. */
    long found() {
        return found;
    }

    /** For {@link Kind#BEHIND} and {@link Kind#MISSING}: the acknowledged index; -1 otherwise. */
    long acknowledged() {
        return acknowledged;
    }

    /** Sorts an H2 failure to open or prepare the database. */
    static StoreOpenException of(SQLException e, StoreLocation where) {
        String file = where.databaseFile().toString();
        String detail = e.getMessage();
        switch (e.getErrorCode()) {
            case ErrorCode.DATABASE_ALREADY_OPEN_1:
                return new StoreOpenException(Kind.IN_USE, "the database " + file
                        + " is locked by another process: " + detail, e);
            case ErrorCode.FILE_VERSION_ERROR_1:
                return new StoreOpenException(Kind.INCOMPATIBLE, "the database " + file
                        + " was written in a newer file format: " + detail, e);
            case ErrorCode.DATABASE_IS_READ_ONLY:
                return new StoreOpenException(Kind.NOT_WRITABLE, "the database " + file + " cannot be written: "
                        + detail, e);
            case ErrorCode.FILE_CORRUPTED_1:
                return new StoreOpenException(Kind.DAMAGED, "the database " + file + " is damaged: " + detail, e);
            default:
                break;
        }
        if (e instanceof Schema.NewerSchemaException) {
            return new StoreOpenException(Kind.INCOMPATIBLE, "the database " + file + ": " + detail, e);
        }
        if (isDamage(e)) {
            return new StoreOpenException(Kind.DAMAGED, "the database " + file + " is damaged: "
                    + describe(e), e);
        }
        return new StoreOpenException(Kind.IO, "cannot open the database " + file + ": " + describe(e), e);
    }

    /** A file shorter than its own structures, or a store H2 itself reports corrupt. */
    private static boolean isDamage(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof EOFException) {
                return true;
            }
            if (t instanceof MVStoreException) {
                int code = ((MVStoreException) t).getErrorCode();
                if (code == DataUtils.ERROR_FILE_CORRUPT || code == DataUtils.ERROR_CHUNK_NOT_FOUND
                        || code == DataUtils.ERROR_BLOCK_NOT_FOUND) {
                    return true;
                }
            }
        }
        return false;
    }

    /** H2's message followed by the innermost cause, which is usually what names the real problem. */
    private static String describe(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root == e ? e.getMessage() : e.getMessage() + " (" + root + ")";
    }
}
