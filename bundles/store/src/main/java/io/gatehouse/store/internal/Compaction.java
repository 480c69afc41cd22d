package io.gatehouse.store.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.List;

/**
 * Copies the log's rows from one database into a new one, and fingerprints a database so that the copy can
 * be checked before it replaces the original. The copy is logical (SQL rows), so the new file holds
 * exactly the live data, written once at its start, whatever H2 left behind in the old file.
 */
final class Compaction {

    /** Tables in copy order. */
    private static final List<String> TABLES = List.of("gatehouse_meta", "oplog", "snapshot", "oplog_rejected");

    private static final int BATCH = 128;

    private Compaction() {
    }

    /**
     * Copies every row of every table from {@code from} to {@code to} (whose tables exist and are empty
     * apart from the meta rows, which are replaced). Neither connection is committed.
     */
    static void copy(Connection from, Connection to) throws SQLException {
        for (String table : TABLES) {
            try (Statement s = to.createStatement()) {
                s.executeUpdate("DELETE FROM " + table);
            }
            try (Statement s = from.createStatement();
                 ResultSet rs = s.executeQuery("SELECT * FROM " + table)) {
                ResultSetMetaData meta = rs.getMetaData();
                int columns = meta.getColumnCount();
                // By name: a table upgraded in place (ALTER TABLE ADD COLUMN) has its columns in another
                // order than the same table created new.
                StringBuilder names = new StringBuilder();
                StringBuilder marks = new StringBuilder();
                for (int i = 1; i <= columns; i++) {
                    names.append(i == 1 ? "" : ", ").append('"').append(meta.getColumnName(i)).append('"');
                    marks.append(i == 1 ? "?" : ", ?");
                }
                String sql = "INSERT INTO " + table + " (" + names + ") VALUES (" + marks + ")";
                try (PreparedStatement insert = to.prepareStatement(sql)) {
                    int pending = 0;
                    while (rs.next()) {
                        for (int i = 1; i <= columns; i++) {
                            int type = meta.getColumnType(i);
                            if (type == Types.BLOB || type == Types.VARBINARY || type == Types.BINARY) {
                                insert.setBytes(i, rs.getBytes(i));
                            } else {
                                insert.setObject(i, rs.getObject(i));
                            }
                        }
                        insert.addBatch();
                        if (++pending == BATCH) {
                            insert.executeBatch();
                            pending = 0;
                        }
                    }
                    if (pending > 0) {
                        insert.executeBatch();
                    }
                }
            }
        }
        long nextId = 1;
        try (Statement s = from.createStatement();
             ResultSet rs = s.executeQuery("SELECT COALESCE(MAX(id), 0) + 1 FROM oplog_rejected")) {
            if (rs.next()) {
                nextId = rs.getLong(1);
            }
        }
        try (Statement s = to.createStatement()) {
            s.executeUpdate("ALTER TABLE oplog_rejected ALTER COLUMN id RESTART WITH " + nextId);
        }
    }

    /**
     * What must be equal in a database and its copy: the meta rows, and per table the row count, the
     * highest key and the sum of the stored checksums.
     */
    static String fingerprint(Connection c) throws SQLException {
        StringBuilder b = new StringBuilder();
        query(c, "SELECT name, val FROM gatehouse_meta ORDER BY name", b);
        query(c, "SELECT COUNT(*), COALESCE(MAX(idx), 0), COALESCE(SUM(checksum), 0) FROM oplog", b);
        query(c, "SELECT COUNT(*), COALESCE(MAX(idx), 0), COALESCE(SUM(checksum), 0), "
                + "COALESCE(SUM(OCTET_LENGTH(state)), 0) FROM snapshot", b);
        query(c, "SELECT COUNT(*), COALESCE(MAX(id), 0), COALESCE(SUM(checksum), 0) FROM oplog_rejected", b);
        return b.toString();
    }

    private static void query(Connection c, String sql, StringBuilder out) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            int columns = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                for (int i = 1; i <= columns; i++) {
                    out.append(rs.getString(i)).append(i == columns ? ';' : ',');
                }
            }
        }
        out.append('|');
    }
}
